package dev.jspawn.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One container's validated configuration. Every path here is absolute and normalized, and
 * every value has passed the checks that keep it from injecting into a mount option list or a
 * unit file; the converter can use them as they are.
 */
public record ContainerConfig(
        String name,
        ConfigSource source,
        String machineName,
        String imageRoot,
        List<String> lowerDirs,
        String where,
        String upperDir,
        String workDir,
        boolean boot,
        List<String> parameters,
        List<String> environment,
        String workingDirectory,
        List<Bind> binds,
        Network network) {

    public ContainerConfig {
        lowerDirs = List.copyOf(lowerDirs);
        parameters = List.copyOf(parameters);
        environment = List.copyOf(environment);
        binds = List.copyOf(binds);
    }

    public Path file() {
        return source.file();
    }

    /** A Bind= or BindReadOnly= line: the host path (for RequiresMountsFor=) and nspawn's whole value. */
    public record Bind(String source, String spec, boolean readOnly) {
    }

    public enum NetworkMode {
        /** A veth pair, host side ve-NAME: the default, as systemd-nspawn@.service does. */
        VETH,
        /** A veth pair whose host side joins a bridge. */
        BRIDGE,
        /** A veth pair whose host side joins a zone bridge vz-ZONE. */
        ZONE,
        /** A private network namespace with only loopback. */
        PRIVATE,
        /** The host's network. */
        HOST
    }

    public record Network(NetworkMode mode, String bridgeOrZone, List<String> ports) {
        public Network {
            ports = List.copyOf(ports);
        }
    }
}
