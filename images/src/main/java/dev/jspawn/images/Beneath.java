package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Paths below a root that a guest controls (its upper dir, its backup dir, its mounted root), used
 * without ever following a symlink: every directory on the way must be a real directory. A guest
 * that replaced {@code /etc/default} with a symlink to the shared base cannot make a host-side
 * command read or write {@code etc/default/x} anywhere but below the root. The child is stopped
 * (and its overlay unmounted) while jspawn changes its dirs, so nothing moves under these checks.
 */
public final class Beneath {

    private Beneath() {
    }

    /** A guest left something on the way: the command stops before touching it. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * {@code root/rel}, after checking that {@code rel} is relative and normalized and that each of its
     * parent directories below {@code root} is a real directory or missing (then so is all below it).
     * The last component itself is not followed by the caller's lstat, rename or unlink.
     */
    public static Path resolve(Path root, Path rel) throws IOException {
        if (rel.isAbsolute() || !rel.normalize().equals(rel) || rel.startsWith("..") || rel.toString().isEmpty()) {
            throw new Refused("\"" + rel + "\" is not a normalized relative path");
        }
        Path dir = root;
        for (int i = 0; i < rel.getNameCount() - 1; i++) {
            dir = dir.resolve(rel.getName(i));
            Optional<Node> n = Node.stat(dir);
            if (n.isEmpty()) break;
            if (n.get().type() != Node.Type.DIRECTORY) {
                throw new Refused(dir + " is a " + n.get().type().name().toLowerCase(java.util.Locale.ROOT)
                        + ", not a directory (left there by the guest?); not going through it");
            }
        }
        return root.resolve(rel);
    }

    /** True if {@link #resolve} would refuse: for read-only probes that skip such paths. */
    public static boolean blocked(Path root, Path rel) throws IOException {
        try {
            resolve(root, rel);
            return false;
        } catch (Refused e) {
            return true;
        }
    }

    /**
     * A directory that holds what a guest made (a work or backup dir): created 0700 root, or an
     * existing one made so; anything but a directory there (a symlink too) is refused.
     */
    public static void privateDir(Path dir) throws IOException {
        Optional<Node> n = Node.stat(dir);
        if (n.isEmpty()) {
            Files.createDirectory(dir);
        } else if (n.get().type() != Node.Type.DIRECTORY) {
            throw new Refused(dir + " is not a directory; move it away");
        }
        if (n.isEmpty() || (n.get().mode() & 07777) != 0700) Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (n.isPresent() && (n.get().uid() != 0 || n.get().gid() != 0)) {
            Files.setAttribute(dir, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** What to do with each directory this creates. */
    @FunctionalInterface
    public interface DirSetup {
        void apply(Path created, Path rel) throws IOException;
    }

    /**
     * Creates the missing parent directories of {@code rel} below {@code root}, one by one, each
     * checked as in {@link #resolve}; {@code setup} is told of each new one. Returns {@code root/rel}.
     */
    public static Path createParents(Path root, Path rel, DirSetup setup) throws IOException {
        Path target = resolve(root, rel);
        Path dir = root;
        for (int i = 0; i < rel.getNameCount() - 1; i++) {
            dir = dir.resolve(rel.getName(i));
            if (Node.stat(dir).isEmpty()) {
                Files.createDirectory(dir); // mkdir(2): fails on anything already there, a symlink too
                setup.apply(dir, rel.subpath(0, i + 1));
            }
        }
        return target;
    }
}
