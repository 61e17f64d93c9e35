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
        /** NotifyReady=: the unit is active once the guest says it has booted, not once its init runs. */
        boolean notifyReady,
        List<String> parameters,
        List<String> environment,
        String workingDirectory,
        List<Bind> binds,
        Network network,
        PrivateUsers privateUsers,
        /** MachineID=, or null: then the child's own, which jspawn picks at first start and keeps. */
        String machineId,
        /** ResolvConf=, or null: then jspawn's choice at each start (see jspawn.jspawn(5)). */
        String resolvConf,
        String linkJournal,
        /** The systemd.nspawn(5) keys jspawn passes on as they are, then NspawnArgs=: checked options. */
        List<String> nspawnOptions,
        /** [Unit], [Service] and [Install] lines, in file order. */
        List<dev.jspawn.config.UnitSettings.Setting> unitSettings,
        /** The health check ([Container] HealthCmd= and the rest), or null: none, and no timer. */
        HealthCheck health) {

    public ContainerConfig {
        nspawnOptions = List.copyOf(nspawnOptions);
        unitSettings = List.copyOf(unitSettings);
        lowerDirs = List.copyOf(lowerDirs);
        parameters = List.copyOf(parameters);
        environment = List.copyOf(environment);
        binds = List.copyOf(binds);
    }

    public Path file() {
        return source.file();
    }

    /** The directory holding what jspawn makes at run time for this child: its lower layers' views, its nspawn environment. */
    public String runDir() {
        return RUN_DIR + "/" + name;
    }

    /**
     * Where the lower layers are mounted for the overlay: the views of the bases' current versions, idmapped to the
     * child's range (with PrivateUsers=no, read-only clones). A version may be a stack of layers, whose view is one
     * overlay of them: the overlay never names a base itself.
     */
    public List<String> layerDirs() {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < lowerDirs.size(); i++) out.add(runDir() + "/lower/" + i);
        return out;
    }

    /** Boot=no without Parameters=: the child runs its base's image command (Entrypoint and Cmd of a pulled image). */
    public boolean imageCommand() {
        return !boot && parameters.isEmpty();
    }

    public String backupDir() {
        return ChildDirs.backup(where);
    }

    /** What a rollout's prune took out of the upper dir, kept until the rollout ends (see jspawn base upgrade). */
    public String asideDir() {
        return ChildDirs.aside(where);
    }

    public static final String RUN_DIR = "/run/jspawn";

    /**
     * PrivateUsers= as systemd.nspawn(5) has it: {@code pick} (and yes, the default): a range of
     * 65536 host UIDs of the child's own, picked at first start and recorded as the owner of its
     * upper dir; a fixed start; or {@code no}: the guest's root is host root.
     */
    public record PrivateUsers(Mode mode, long start) {
        public enum Mode { PICK, FIXED, NO }

        public static final PrivateUsers PICK = new PrivateUsers(Mode.PICK, 0);
        public static final PrivateUsers NO = new PrivateUsers(Mode.NO, 0);

        /** As the mount-layers helper takes it: pick, no, or the start. */
        @Override
        public String toString() {
            return mode == Mode.FIXED ? Long.toString(start) : mode.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A Bind= or BindReadOnly= line: the host path (for RequiresMountsFor=) and nspawn's whole value. */
    public record Bind(String source, String spec, boolean readOnly) {
    }

    /** Whether the guest has a network of its own (then nspawn leaves its resolv.conf alone unless told). */
    public boolean privateNetwork() {
        return network.mode() != NetworkMode.HOST;
    }

    /** Whether the host side is a veth that systemd-networkd configures with systemd's own container .network files. */
    public boolean hostNetworkd() {
        return network.mode() == NetworkMode.VETH || network.mode() == NetworkMode.ZONE;
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
