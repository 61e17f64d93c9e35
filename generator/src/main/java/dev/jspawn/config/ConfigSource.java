package dev.jspawn.config;

import java.nio.file.Path;
import java.util.List;

/** The files that make up one container's configuration: NAME.jspawn and its drop-ins, in the order applied. */
public record ConfigSource(String name, Path file, List<Path> dropIns) {
    public ConfigSource {
        dropIns = List.copyOf(dropIns);
    }
}
