package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting whole trees: a version of a base, a prepared copy, a child's upper dir. */
public final class Trees {

    private Trees() {
    }

    /**
     * Deletes a tree bottom-up; a symlink in it (or {@code root} itself, if one) is deleted, never followed.
     * It does not stop at a mount point: a file system mounted inside the tree is walked into like a directory.
     */
    public static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** As {@link #deleteTree}, for a tree that may not be there (a symlink counts as there). */
    public static void deleteIfExists(Path root) throws IOException {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) deleteTree(root);
    }
}
