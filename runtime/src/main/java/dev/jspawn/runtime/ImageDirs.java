package dev.jspawn.runtime;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

import dev.jspawn.images.Node;

/**
 * Keeps the permissions of the image root and of a child's upper dir, and names a base that is missing.
 *
 * <p>The image root is 0700 root, as /var/lib/machines is: below it are guests' files with guests'
 * setuid bits and devices, which no host user may reach. Work and backup dirs are 0700 root. An
 * upper dir's root is the guest's "/", owned by the guest's root (the range's first UID) with the
 * usual 0755: the 0700 image root above it is what keeps host users out.
 */
public final class ImageDirs {

    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> GUEST_ROOT = PosixFilePermissions.fromString("rwxr-xr-x");

    private ImageDirs() {
    }

    /** Creates the image root 0700, or makes an existing one 0700 root (saying so); a symlink is refused. */
    static void secureRoot(Path root, PrintWriter out) throws IOException {
        Optional<Node> n = Node.stat(root);
        if (n.isEmpty()) {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PRIVATE);
            return;
        }
        if (n.get().type() != Node.Type.DIRECTORY) throw new UserError("the image root " + root + " is not a directory");
        if (n.get().uid() != 0) throw new UserError("the image root " + root + " is owned by UID " + n.get().uid() + ", not root; refusing to use it");
        if ((n.get().mode() & 077) != 0) {
            Files.setPosixFilePermissions(root, PRIVATE);
            out.println("jspawn: made " + root + " private (mode 0700, was " + Integer.toOctalString(n.get().mode()) + ") so that host users"
                    + " cannot reach the guests' files, as /var/lib/machines");
        }
    }

    /** A new upper dir: the guest's root, owned by the range's root (0 for none). */
    static void createUpper(Path upper, long start) throws IOException {
        Files.createDirectory(upper);
        Files.setPosixFilePermissions(upper, GUEST_ROOT);
        if (start > 0) {
            Files.setAttribute(upper, "unix:uid", (int) start, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(upper, "unix:gid", (int) start, LinkOption.NOFOLLOW_LINKS);
        }
    }


    /**
     * Why a child's base is not there, naming what is missing and how to get it back; empty when it is
     * there. Most often the version its current link names was deleted by hand, while older ones remain.
     */
    public static Optional<String> missingBase(Path base) throws IOException {
        if (Files.isDirectory(base) || base.getParent() == null) return Optional.empty();
        String name = base.getFileName().toString();
        Path root = base.getParent();
        String imageRoot = root.toString().equals(dev.jspawn.config.ConfigLoader.DEFAULT_IMAGE_ROOT) ? "" : " (with --image-root " + root + ")";
        Optional<dev.jspawn.images.BaseStore.Missing> missing = new dev.jspawn.images.BaseStore(root).missing(name);
        if (missing.isPresent()) return Optional.of("base " + missing.get().reason() + imageRoot);
        return Optional.of("base directory " + base + " does not exist; make it with 'jspawn base create " + name + "'" + imageRoot);
    }
}
