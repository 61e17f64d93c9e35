package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reversible prune of a rollout: what {@link Prune} takes out of a child's upper dir is moved to the
 * child's aside dir (NAME_rollout, beside its upper dir, on the same file system), at the same path, instead
 * of being deleted. A directory the prune removes leaves its owner, mode and extended attributes on its
 * counterpart there. Until the rollout ends, {@link #restore} puts everything back; once it succeeded,
 * {@link #drop} deletes it.
 *
 * <p>The aside dir is root's alone (0700), and what is in it came from the guest: nothing in it is
 * followed. Putting it back goes only through real directories of the upper dir (see {@link Beneath}).
 */
public final class Aside {

    private Aside() {
    }

    /** Moves the file (any non-directory) at {@code upper/rel} to {@code aside/rel}. */
    static void keep(Path aside, Path upper, Path rel) throws IOException {
        Beneath.privateDir(aside);
        Path target = Beneath.createParents(aside, rel, (dir, r) -> { });
        Files.move(upper.resolve(rel), target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Removes the empty directory {@code upper/rel}, having given {@code aside/rel} (made if missing) its
     * owner, mode and extended attributes, so that putting it back restores them.
     */
    static void keepDir(Path aside, Path upper, Path rel) throws IOException {
        Beneath.privateDir(aside);
        Path target = Beneath.createParents(aside, rel, (dir, r) -> { });
        Optional<Node> there = Node.stat(target);
        if (there.isEmpty()) Files.createDirectory(target);
        else if (there.get().type() != Node.Type.DIRECTORY) throw new Beneath.Refused(target + " is not a directory; not keeping " + rel + " there");
        Node from = Node.stat(upper.resolve(rel)).orElseThrow(() -> new IOException(upper.resolve(rel) + " is gone"));
        Files.setAttribute(target, "unix:uid", from.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", from.gid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:mode", from.mode() & 07777, LinkOption.NOFOLLOW_LINKS);
        for (Map.Entry<String, byte[]> x : from.xattrs().entrySet()) Xattrs.set(target, x.getKey(), x.getValue());
        Files.delete(upper.resolve(rel));
    }

    /**
     * What {@link #restore} did: entries put back, entries dropped because the guest has made something of its
     * own at their path since (its newer one stays), and those it could not put back (left in the aside dir).
     */
    public record Restored(int restored, int superseded, List<String> left) {
    }

    /**
     * Puts back into {@code upper} everything in {@code aside} whose path the upper dir does not have: a
     * directory missing there goes back whole, with what is below it. Where the guest has something of its
     * own at the path now (a file it wrote, a whiteout of a file it deleted), that stays and the kept copy
     * goes. What cannot go back (its directory in the upper dir is gone, or is no directory) stays in the
     * aside dir and is listed; otherwise the aside dir is deleted. Running it again after an interruption
     * finishes it.
     */
    public static Restored restore(Path upper, Path aside) throws IOException {
        Optional<Node> a = Node.stat(aside);
        if (a.isEmpty()) return new Restored(0, 0, List.of());
        if (a.get().type() != Node.Type.DIRECTORY) throw new Beneath.Refused(aside + " is not a directory; move it away");
        int[] counts = new int[2];
        List<String> left = new ArrayList<>();
        restore(upper, aside, Path.of(""), counts, left);
        if (left.isEmpty()) Trees.deleteIfExists(aside);
        return new Restored(counts[0], counts[1], List.copyOf(left));
    }

    private static void restore(Path upper, Path aside, Path dir, int[] counts, List<String> left) throws IOException {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(aside.resolve(dir))) {
            for (Path p : s) names.add(p.getFileName());
        }
        names.sort(null);
        for (Path name : names) {
            Path rel = dir.resolve(name);
            Node kept = Node.stat(aside.resolve(rel)).orElse(null);
            if (kept == null) continue;
            Path target;
            try {
                target = Beneath.resolve(upper, rel);
            } catch (Beneath.Refused e) {
                left.add(rel + " (" + e.getMessage() + ")");
                continue;
            }
            Optional<Node> now = Node.stat(target);
            Optional<Node> parent = Node.stat(target.getParent());
            if (now.isEmpty()) {
                if (parent.isEmpty() || parent.get().type() != Node.Type.DIRECTORY) {
                    left.add(rel + " (its directory is gone from the upper dir)");
                    continue;
                }
                Files.move(aside.resolve(rel), target, StandardCopyOption.ATOMIC_MOVE);
                counts[0]++;
            } else if (kept.type() == Node.Type.DIRECTORY && now.get().type() == Node.Type.DIRECTORY) {
                restore(upper, aside, rel, counts, left);
                if (isEmptyDir(aside.resolve(rel))) Files.delete(aside.resolve(rel));
            } else {
                Trees.deleteIfExists(aside.resolve(rel)); // the guest's own, newer entry wins
                counts[1]++;
            }
        }
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    /** Deletes what the prune set aside: once the rollout succeeded, it is in the new version as it was. */
    public static void drop(Path aside) throws IOException {
        Trees.deleteIfExists(aside);
    }
}
