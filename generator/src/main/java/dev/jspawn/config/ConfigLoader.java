package dev.jspawn.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.UnitFile;
import dev.jspawn.syntax.UnitFile.Entry;

/**
 * Turns a container's files (NAME.jspawn, then its drop-ins) into a {@link ContainerConfig}, or
 * into the list of everything wrong with them. Keys follow systemd.nspawn(5) where it has one.
 * The entry point: the lines are merged by {@link MergedEntries}, read by {@link
 * ContainerConfigBuilder}, and judged against the other containers by {@link CollisionPass}.
 */
public final class ConfigLoader {

    public static final String DEFAULT_IMAGE_ROOT = "/var/lib/jspawn";
    /** Entries of one list setting (Environment=, Bind=, Port=, ...): far more than any container needs. */
    public static final int MAX_LIST = 1024;

    /** A configuration, or the errors that stop it from being one. */
    public record Result(Optional<ContainerConfig> config, List<Diagnostic> errors) {
        public boolean ok() {
            return config.isPresent();
        }
    }

    private ConfigLoader() {
    }

    /** Reads and parses the source's files, then {@link #load(ConfigSource, List, Bases)}. */
    public static Result load(ConfigSource source, Bases bases) {
        ConfigSource.Parsed parsed = source.parse();
        if (!parsed.errors().isEmpty()) return new Result(Optional.empty(), parsed.errors());
        return load(source, parsed.files(), bases);
    }

    /**
     * Every container of the search path at once, judged as the generator judges them: each file on its
     * own, then against the others ({@link CollisionPass}, in the order of container names). The one way
     * the generator, verify, list and create decide which files are valid.
     */
    public static Map<ConfigSource, Result> loadAll(List<ConfigSource> sources, Bases bases) {
        return CollisionPass.judge(sources, s -> load(s, bases));
    }

    /** Merges parsed files (main file first, drop-ins after) and validates them. No I/O. */
    public static Result load(ConfigSource source, List<UnitFile> files, Bases bases) {
        MergedEntries merged = new MergedEntries();
        List<Diagnostic> errors = new ArrayList<>();
        for (UnitFile file : files) {
            for (Entry e : file.entries()) merged.accept(e).ifPresent(errors::add);
        }
        return new ContainerConfigBuilder(source, bases, merged, errors).build();
    }
}
