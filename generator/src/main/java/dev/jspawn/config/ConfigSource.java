package dev.jspawn.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.SystemdIniParser;
import dev.jspawn.syntax.UnitFile;

/** The files that make up one container's (or base's) configuration: NAME.jspawn and its drop-ins, in the order applied. */
public record ConfigSource(String name, Path file, List<Path> dropIns) {
    public ConfigSource {
        dropIns = List.copyOf(dropIns);
    }

    /** Every file parsed, main file first, and every syntax error in them. */
    public record Parsed(List<UnitFile> files, List<Diagnostic> errors) {
    }

    public Parsed parse() {
        List<UnitFile> files = new ArrayList<>();
        List<Diagnostic> errors = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        paths.add(file);
        paths.addAll(dropIns);
        for (Path p : paths) {
            SystemdIniParser.Result r = SystemdIniParser.parse(p);
            errors.addAll(r.errors());
            files.add(r.unit());
        }
        return new Parsed(files, errors);
    }
}
