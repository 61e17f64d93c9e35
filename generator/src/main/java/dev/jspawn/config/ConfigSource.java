package dev.jspawn.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.SystemdIniParser;
import dev.jspawn.syntax.UnitFile;

/**
 * The files that make up one container's (or base's) configuration, in the order applied: for an
 * instance {@code PREFIX@INSTANCE} of a template, the template {@code PREFIX@.jspawn} and its
 * drop-ins first; then NAME.jspawn and its drop-ins. Only the latter are the container's own
 * (jspawn remove takes them away, never the template).
 */
public record ConfigSource(String name, Path file, List<Path> dropIns, List<Path> template) {
    public ConfigSource {
        dropIns = List.copyOf(dropIns);
        template = List.copyOf(template);
    }

    public ConfigSource(String name, Path file, List<Path> dropIns) {
        this(name, file, dropIns, List.of());
    }

    // equals and hashCode written out, with the record's meaning: the generated ones bootstrap through
    // java.lang.runtime.ObjectMethods at their first call, which spins method handles for some 12 ms of the
    // generator's start (a source is a map key in every run).
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigSource s && name.equals(s.name) && file.equals(s.file) && dropIns.equals(s.dropIns) && template.equals(s.template);
    }

    @Override
    public int hashCode() {
        return ((name.hashCode() * 31 + file.hashCode()) * 31 + dropIns.hashCode()) * 31 + template.hashCode();
    }

    /** Every file, in the order applied; an instance's file that is a link to its template is applied once, as the template. */
    public List<Path> files() {
        List<Path> all = new ArrayList<>(template);
        if (template.isEmpty() || !sameFile(file, template.get(0))) all.add(file);
        all.addAll(dropIns);
        return all;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Every file parsed, main file first, and every syntax error in them. */
    public record Parsed(List<UnitFile> files, List<Diagnostic> errors) {
    }

    public Parsed parse() {
        List<UnitFile> files = new ArrayList<>();
        List<Diagnostic> errors = new ArrayList<>();
        for (Path p : files()) {
            SystemdIniParser.Result r = SystemdIniParser.parse(p);
            errors.addAll(r.errors());
            files.add(r.unit());
        }
        return new Parsed(files, errors);
    }
}
