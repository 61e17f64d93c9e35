package dev.jspawn.generator;

import java.util.List;

import dev.jspawn.syntax.UnitFile;

/** What the converter makes of one container: unit files and symlinks, by path relative to the output dir. */
public record GeneratedUnits(List<File> files, List<Link> links) {

    public GeneratedUnits {
        files = List.copyOf(files);
        links = List.copyOf(links);
    }

    /** A unit file or drop-in, e.g. {@code jspawn@x.service.d/50-jspawn.conf}. */
    public record File(String path, UnitFile unit) {
    }

    /** A symlink {@code path} pointing at {@code target}, e.g. local-fs.target.requires/X.automount → ../X.automount. */
    public record Link(String path, String target) {
    }
}
