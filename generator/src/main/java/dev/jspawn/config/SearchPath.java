package dev.jspawn.config;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.jspawn.syntax.ConfigFiles;
import dev.jspawn.syntax.Diagnostic;

/**
 * Where .jspawn files are found, with systemd's rules for unit search paths: for one file name
 * the earliest directory wins, a symlink to /dev/null masks, and drop-ins {@code NAME.jspawn.d/*.conf}
 * from every directory are applied in file-name order (the earliest directory winning per name).
 */
public final class SearchPath {

    public static final String SUFFIX = ".jspawn";
    public static final String ENV = "JSPAWN_UNIT_DIRS";
    public static final List<Path> DEFAULT = List.of(Path.of("/etc/jspawn"), Path.of("/run/jspawn"), Path.of("/usr/lib/jspawn"));

    /** What a scan found: the usable sources, and files that could not be used, with why. */
    public record Scan(List<ConfigSource> sources, List<Diagnostic> errors) {
    }

    private final List<Path> dirs;

    public SearchPath(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    /** The search path from {@value #ENV} (colon-separated) if it is set, else the default. */
    public static SearchPath fromEnvironment(Map<String, String> env) {
        String value = env.get(ENV);
        if (value == null || value.isBlank()) return new SearchPath(DEFAULT);
        List<Path> dirs = new ArrayList<>();
        for (String part : value.split(":")) {
            if (!part.isEmpty()) dirs.add(Path.of(part));
        }
        return new SearchPath(dirs);
    }

    public List<Path> dirs() {
        return dirs;
    }

    /** Every container configured, in name order; masked ones left out. */
    public Scan scan() {
        return scan(SUFFIX);
    }

    /** Every NAME{@code suffix} file (.jspawn, .base), in name order, with its drop-ins; masked ones left out. */
    public Scan scan(String suffix) {
        Map<String, Path> winners = new TreeMap<>();
        List<Diagnostic> errors = new ArrayList<>();
        for (Path dir : dirs) {
            for (Path file : list(dir, suffix, errors)) {
                String fileName = file.getFileName().toString();
                winners.putIfAbsent(fileName.substring(0, fileName.length() - suffix.length()), file);
            }
        }
        List<ConfigSource> sources = new ArrayList<>();
        Map<String, ConfigSource> templates = new TreeMap<>();
        for (Map.Entry<String, Path> e : winners.entrySet()) {
            if (isMasked(e.getValue())) continue;
            Optional<String> notAFile = ConfigFiles.notAFile(e.getValue());
            if (notAFile.isPresent()) {
                errors.add(Diagnostic.ofFile(e.getValue(), notAFile.get() + ", ignoring"));
                continue;
            }
            boolean template = suffix.equals(SUFFIX) && e.getKey().endsWith("@");
            Optional<String> bad = template ? ContainerName.problem(e.getKey() + "x") : ContainerName.problem(e.getKey());
            if (bad.isPresent()) {
                errors.add(Diagnostic.ofFile(e.getValue(), bad.get() + ", ignoring"));
                continue;
            }
            ConfigSource source = new ConfigSource(e.getKey(), e.getValue(), dropIns(e.getKey() + suffix, errors));
            if (template) templates.put(e.getKey(), source);
            else sources.add(source);
        }
        // An instance PREFIX@INSTANCE.jspawn (empty, its own settings, or a link to the template) is the template plus its own.
        if (!templates.isEmpty()) {
            List<ConfigSource> instances = new ArrayList<>();
            for (ConfigSource s : sources) {
                int at = s.name().indexOf('@');
                ConfigSource t = at < 0 ? null : templates.get(s.name().substring(0, at + 1));
                instances.add(t == null ? s : new ConfigSource(s.name(), s.file(), s.dropIns(), t.files()));
            }
            sources = instances;
        }
        return new Scan(List.copyOf(sources), List.copyOf(errors));
    }

    /**
     * The source for one container name, if it is configured and not masked: what {@link #scan()} has for that
     * name, found without listing every file (a command about one container costs the same with 5 or 500).
     */
    public Optional<ConfigSource> find(String name) {
        Optional<ConfigSource> own = usable(name, ContainerName.problem(name));
        if (own.isEmpty()) return own;
        // An instance PREFIX@INSTANCE.jspawn is the template PREFIX@.jspawn plus its own, when that template is usable.
        int at = name.indexOf('@');
        Optional<ConfigSource> template = at < 0 ? Optional.empty()
                : usable(name.substring(0, at + 1), ContainerName.problem(name.substring(0, at + 1) + "x"));
        ConfigSource s = own.get();
        return Optional.of(template.map(t -> new ConfigSource(s.name(), s.file(), s.dropIns(), t.files())).orElse(s));
    }

    /** NAME.jspawn as the scan takes it: the earliest directory's, unless that one is masked or not a file, or NAME is bad. */
    private Optional<ConfigSource> usable(String name, Optional<String> badName) {
        if (badName.isPresent()) return Optional.empty();
        for (Path dir : dirs) {
            Path file = dir.resolve(name + SUFFIX);
            if (!Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            if (isMasked(file) || ConfigFiles.notAFile(file).isPresent()) return Optional.empty();
            return Optional.of(new ConfigSource(name, file, dropIns(name + SUFFIX, new ArrayList<>())));
        }
        return Optional.empty();
    }

    /** A file named on a command line: its drop-ins are the ones beside it. */
    public static ConfigSource ofFile(Path file) {
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        Path parent = file.toAbsolutePath().getParent();
        List<Diagnostic> ignored = new ArrayList<>();
        return new ConfigSource(name, file, new SearchPath(List.of(parent)).dropIns(fileName, ignored));
    }

    /** Drop-ins of a file named {@code fileName} (e.g. web.jspawn): fileName.d/*.conf in every directory. */
    private List<Path> dropIns(String fileName, List<Diagnostic> errors) {
        Map<String, Path> byName = new TreeMap<>();
        for (Path dir : dirs) {
            for (Path conf : list(dir.resolve(fileName + ".d"), ".conf", errors)) {
                byName.putIfAbsent(conf.getFileName().toString(), conf);
            }
        }
        // A drop-in that is not a file stays in the list: reading it fails its container as a whole,
        // rather than generating the container without a setting the admin meant it to have.
        List<Path> out = new ArrayList<>();
        for (Path p : byName.values()) {
            if (!isMasked(p)) out.add(p);
        }
        return out;
    }

    /**
     * The entries of {@code dir} whose names end in {@code suffix}, sorted. (A name test, not a glob: each glob is
     * made into a regular expression and compiled, at every directory listed.)
     */
    private static List<Path> list(Path dir, String suffix, List<Diagnostic> errors) {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (p.getFileName().toString().endsWith(suffix)) out.add(p);
            }
        } catch (IOException e) {
            errors.add(Diagnostic.ofFile(dir, "Failed to read directory: " + e.getMessage() + ", ignoring"));
        }
        out.sort(null);
        return out;
    }

    /** A symlink to /dev/null (or an empty symlink target chain ending there) masks, as in systemd. */
    static boolean isMasked(Path file) {
        if (!Files.isSymbolicLink(file)) return false;
        try {
            return file.toRealPath().equals(Path.of("/dev/null"));
        } catch (IOException e) {
            return false;
        }
    }

    /** For messages: the directories searched, as a colon-separated list. */
    public String describe() {
        return dirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    }
}
