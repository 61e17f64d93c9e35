package dev.jspawn.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.UnitFile;

/**
 * Layered bases: a base NAME may sit on another base, declared in NAME.base (same search path
 * and drop-in rules as .jspawn files):
 *
 * <pre>
 * # /etc/jspawn/web-base.base
 * [Base]
 * Base=default-ns-1
 * </pre>
 *
 * A child of web-base then gets lowerdir=ROOT/web-base:ROOT/default-ns-1. A base without a .base
 * file (a plain directory, as in the how-to) or an absolute path ends the chain. The chain is
 * declared in configuration, not found on disk, because the generator runs before /var is
 * mounted.
 */
public final class Bases {

    public static final String SUFFIX = ".base";
    /** Far below overlayfs' 500 layers; a longer chain is surely a mistake. */
    public static final int MAX_DEPTH = 32;

    /** A valid base file: the raw Base= value of its parent, if any, and its UpdateCommand=, if any. */
    record Definition(ConfigSource source, Optional<String> parent, Optional<List<String>> updateCommand) {
    }

    private final Map<String, Definition> valid;
    private final Map<String, Path> invalid;
    private final List<Diagnostic> errors;

    private Bases(Map<String, Definition> valid, Map<String, Path> invalid, List<Diagnostic> errors) {
        this.valid = valid;
        this.invalid = invalid;
        this.errors = List.copyOf(errors);
    }

    /** No base files: every base is a plain directory. */
    public static Bases none() {
        return new Bases(Map.of(), Map.of(), List.of());
    }

    public static Bases load(SearchPath searchPath) {
        SearchPath.Scan scan = searchPath.scan(SUFFIX);
        List<Diagnostic> errors = new ArrayList<>(scan.errors());
        Map<String, Definition> valid = new HashMap<>();
        Map<String, Path> invalid = new HashMap<>();
        for (ConfigSource s : scan.sources()) {
            ConfigSource.Parsed parsed = s.parse();
            List<UnitFile> files = parsed.files();
            List<Diagnostic> own = new ArrayList<>(parsed.errors());
            Optional<UnitFile.Entry> parent = Optional.empty();
            Optional<List<String>> update = Optional.empty();
            for (UnitFile f : files) {
                for (UnitFile.Entry e : f.entries()) {
                    if (e.section().equals("Base") && e.key().equals("Base")) {
                        parent = e.value().isEmpty() ? Optional.empty() : Optional.of(e);
                    } else if (e.section().equals("Base") && e.key().equals("UpdateCommand")) {
                        // What jspawn auto-upgrade runs in the base (as base update does); empty: none.
                        try {
                            List<String> words = Values.words(e.value());
                            update = words.isEmpty() ? Optional.empty() : Optional.of(words);
                        } catch (Values.Invalid ex) {
                            own.add(new Diagnostic(e.file(), e.line(), e.section(), e.key(), ex.getMessage()));
                        }
                    } else {
                        own.add(new Diagnostic(e.file(), e.line(), e.section(), e.key(), "unknown key; a .base file takes [Base] Base= and UpdateCommand="));
                    }
                }
            }
            if (parent.isPresent()) {
                String v = parent.get().value();
                try {
                    if (v.startsWith("/")) Values.path(v);
                    else Values.fileName(v);
                } catch (Values.Invalid ex) {
                    UnitFile.Entry e = parent.get();
                    own.add(new Diagnostic(e.file(), e.line(), e.section(), e.key(), ex.getMessage()));
                }
            }
            if (own.isEmpty()) {
                valid.put(s.name(), new Definition(s, parent.map(UnitFile.Entry::value), update));
            } else {
                invalid.put(s.name(), s.file());
                errors.addAll(own);
            }
        }
        return new Bases(valid, invalid, errors);
    }

    /** Where the versions of base NAME are kept, below the image root: ROOT/.jspawn/bases/NAME/vN. */
    public static final String VERSION_STORE = ".jspawn/bases";

    /** The directory of version {@code number} of base {@code name} (what BaseVersion= holds a child on). */
    public static String versionDir(String imageRoot, String name, int number) {
        return imageRoot + "/" + VERSION_STORE + "/" + name + "/v" + number;
    }

    /** A BaseVersion= value: a version number, as jspawn base versions lists it (3 or v3). */
    public static int version(String value) throws Values.Invalid {
        String digits = value.startsWith("v") ? value.substring(1) : value;
        if (!digits.matches("[1-9][0-9]{0,8}")) {
            throw new Values.Invalid("'" + value + "' is not a version: give its number as jspawn base versions lists it (3 or v3)");
        }
        return Integer.parseInt(digits);
    }

    /** The parent a NAME.base file declares, if any (a base that sits on another base). */
    public Optional<String> parentOf(String name) {
        Definition d = valid.get(name);
        return d == null ? Optional.empty() : d.parent();
    }

    /** The command a NAME.base file gives jspawn auto-upgrade to update the base with (UpdateCommand=), if any. */
    public Optional<List<String>> updateCommandOf(String name) {
        Definition d = valid.get(name);
        return d == null ? Optional.empty() : d.updateCommand();
    }

    /** The file that defines base {@code name}, if a valid one does. */
    public Optional<java.nio.file.Path> fileOf(String name) {
        Definition d = valid.get(name);
        return d == null ? Optional.empty() : Optional.of(d.source().file());
    }

    /** The names of the valid base files (NAME for NAME.base). */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(valid.keySet()));
    }

    /** Errors in base files themselves, reported once (a child using such a base fails too). */
    public List<Diagnostic> errors() {
        return errors;
    }

    /**
     * The lower directories for {@code Base=value}, topmost first, as overlayfs' lowerdir takes them.
     *
     * @throws Values.Invalid with the chain in the message, for a loop, a chain too deep, or an
     *         invalid base file on the way
     */
    public List<String> lowerDirs(String value, String imageRoot) throws Values.Invalid {
        List<String> dirs = new ArrayList<>();
        List<String> chain = new ArrayList<>();
        String current = value;
        while (true) {
            if (current.startsWith("/")) {
                dirs.add(Values.path(current));
                return dirs;
            }
            String name;
            try {
                name = Values.fileName(current);
            } catch (Values.Invalid e) {
                throw new Values.Invalid(e.getMessage() + "; Base= takes a directory name under the image root or an absolute path");
            }
            if (chain.contains(name)) {
                chain.add(name);
                throw new Values.Invalid("the chain of bases loops: " + String.join(" -> ", chain));
            }
            chain.add(name);
            if (chain.size() > MAX_DEPTH) {
                throw new Values.Invalid("the chain of bases is deeper than " + MAX_DEPTH + ": " + String.join(" -> ", chain));
            }
            if (invalid.containsKey(name)) {
                throw new Values.Invalid("base " + name + " is defined in " + invalid.get(name) + ", which is invalid"
                        + (chain.size() > 1 ? " (chain: " + String.join(" -> ", chain) + ")" : ""));
            }
            dirs.add(imageRoot + "/" + name);
            Definition d = valid.get(name);
            if (d == null || d.parent().isEmpty()) return dirs;
            current = d.parent().get();
        }
    }
}
