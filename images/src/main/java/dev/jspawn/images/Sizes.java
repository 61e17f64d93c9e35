package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Disk use of a tree (the sum of its regular files' sizes, symlinks not followed), for humans. */
public final class Sizes {

    private Sizes() {
    }

    /** The sum of the sizes of the regular files under {@code root}, symlinks not followed; -1 if it does not exist. */
    public static long of(Path root) throws IOException {
        if (!Files.exists(root)) return -1;
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    /** "512B", "1.5K", "16.0M", ...: powers of 1024, one decimal; "-" for a size not known (negative). */
    public static String human(long bytes) {
        if (bytes < 0) return "-";
        String[] units = {"B", "K", "M", "G", "T"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, units[u]);
    }
}
