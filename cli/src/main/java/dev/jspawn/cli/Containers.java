package dev.jspawn.cli;

import java.util.List;
import java.util.Optional;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ContainerName;
import dev.jspawn.config.SearchPath;
import dev.jspawn.runtime.UserError;

/** Finding a configured container by either spelling: its container name or its machine name. */
final class Containers {

    private Containers() {
    }

    static ConfigSource find(SearchPath searchPath, String nameOrMachine) {
        Optional<ConfigSource> byName = searchPath.find(nameOrMachine);
        if (byName.isPresent()) return byName.get();
        List<ConfigSource> sources = searchPath.scan().sources();
        Bases bases = Bases.load(searchPath);
        for (ConfigSource s : sources) {
            Optional<ContainerConfig> c = ConfigLoader.load(s, bases).config();
            String machine = c.map(ContainerConfig::machineName).orElse(ContainerName.defaultMachineName(s.name()));
            if (machine.equals(nameOrMachine)) return s;
        }
        throw new UserError("No container " + nameOrMachine + ": no " + nameOrMachine + SearchPath.SUFFIX + " in "
                + searchPath.describe() + ", and no container has that machine name");
    }

    /**
     * The configuration as its own files have it, without the checks against the others (two containers may not
     * share a machine name or a directory): for a command that only shows it, and costs the same however many
     * others there are. The generator makes those checks; {@link #load} makes them too.
     */
    static ContainerConfig loadAlone(SearchPath searchPath, ConfigSource source) {
        return config(source, ConfigLoader.load(source, Bases.load(searchPath)));
    }

    /** The configuration, or a failure that lists every error and points at jspawn verify. */
    static ContainerConfig load(SearchPath searchPath, ConfigSource source) {
        return config(source, checked(searchPath, source));
    }

    /** What loading {@code source} gives, checked against every other file of the search path, as the generator checks it. */
    static ConfigLoader.Result checked(SearchPath searchPath, ConfigSource source) {
        Bases bases = Bases.load(searchPath);
        ConfigLoader.Result r = ConfigLoader.loadAll(searchPath.scan().sources(), bases).get(source);
        return r != null ? r : ConfigLoader.load(source, bases); // not in the search path (a file given by its path)
    }

    private static ContainerConfig config(ConfigSource source, ConfigLoader.Result r) {
        if (r.ok()) return r.config().get();
        StringBuilder sb = new StringBuilder(source.file() + " is invalid:");
        dev.jspawn.syntax.Diagnostic.capped(r.errors()).forEach(d -> sb.append("\n  ").append(d));
        throw new UserError(sb.toString());
    }
}
