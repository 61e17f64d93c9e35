package dev.jspawn.images;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The lower layers of a child, as the child's overlay sees them: each base directory cloned
 * (open_tree), made read-only and, for a child in a user namespace, idmapped to the child's range
 * (mount_setattr with MOUNT_ATTR_IDMAP), then attached at a target (move_mount). The base's
 * root-owned files then show as owned by the range's root, and overlayfs (which accepts idmapped
 * layers since Linux 5.19, though not an idmapped overlay) gives the guest a root it owns, with no
 * copy and no chown of the base. Debian 12's mount(8) cannot do this (no X-mount.idmap), hence the
 * system calls.
 */
public final class LayerMounts {

    // x86_64 and aarch64 share these numbers (the new mount API came after the unified table).
    private static final int SYS_OPEN_TREE = 428;
    private static final int SYS_MOVE_MOUNT = 429;
    private static final int SYS_MOUNT_SETATTR = 442;
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int AT_RECURSIVE = 0x8000;
    private static final int OPEN_TREE_CLONE = 1;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_RDONLY = 0;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOUNT_ATTR_RDONLY = 0x1;
    private static final long MOUNT_ATTR_IDMAP = 0x100000;
    private static final int MNT_DETACH = 2;
    private static final int ENOSYS = 38, EINVAL = 22, EPERM = 1, ENOENT = 2;

    interface LibC extends Library {
        NativeLong syscall(NativeLong number, Object... args) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int umount2(String target, int flags) throws LastErrorException;

        int mount(String source, String target, String type, NativeLong flags, String data) throws LastErrorException;
    }

    private static final LibC C = Native.load("c", LibC.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

    private LayerMounts() {
    }

    /** Why a layer could not be mounted, naming the layer, the cause and what to do. */
    public static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /**
     * Mounts each of {@code layers} at the matching {@code targets} (created if missing), idmapped
     * to [start, start + 65536) when {@code start} is above 0, else as plain read-only clones.
     * On failure, what was mounted is unmounted again.
     */
    public static void mount(List<Path> layers, List<Path> targets, long start) throws IOException {
        if (layers.size() != targets.size()) throw new IllegalArgumentException("one target per layer");
        Namespace ns = start > 0 ? namespaceOf(start) : null;
        int userns = ns != null ? ns.fd() : -1;
        int done = 0;
        try {
            for (int i = 0; i < layers.size(); i++) {
                Files.createDirectories(targets.get(i));
                attach(layers.get(i), targets.get(i), userns);
                done++;
            }
        } catch (IOException | RuntimeException e) {
            for (int i = done - 1; i >= 0; i--) unmount(targets.get(i));
            throw e;
        } finally {
            if (ns != null && !ns.kept()) C.close(ns.fd());
        }
    }

    /** At most this many user namespaces are kept open (see {@link #namespaceOf}). */
    static final int KEPT_NAMESPACES = 256;

    /** Open fds on user namespaces by the start of their range; only ever added to, closed when the process exits. */
    private static final Map<Long, Integer> NAMESPACES = new java.util.HashMap<>();

    /** An fd on a user namespace; one that is not {@code kept} is closed after its use. */
    private record Namespace(int fd, boolean kept) {
    }

    /**
     * An fd on a user namespace for the range at {@code start}, kept open for the next mount of that range: the helper
     * mounts a child's views at each of its starts, and each new namespace costs a process ({@link #userNamespace}).
     * A namespace's maps never change once written, so one fd serves every later mount in this process. Past
     * {@value #KEPT_NAMESPACES} ranges new ones are not kept, so that the process's fds stay bounded.
     */
    private static Namespace namespaceOf(long start) throws IOException {
        synchronized (NAMESPACES) {
            Integer kept = NAMESPACES.get(start);
            if (kept != null) return new Namespace(kept, true);
        }
        int fd = userNamespace(start);
        synchronized (NAMESPACES) {
            Integer kept = NAMESPACES.get(start);
            if (kept != null) { // another thread kept one first
                C.close(fd);
                return new Namespace(kept, true);
            }
            if (NAMESPACES.size() >= KEPT_NAMESPACES) return new Namespace(fd, false);
            NAMESPACES.put(start, fd);
            return new Namespace(fd, true);
        }
    }

    private static final long MS_RDONLY = 1;

    /**
     * Mounts one read-only overlay of {@code layers} (topmost first, two or more) at {@code target}, created
     * if missing: the view of a stack. The paths must hold none of ':', ',' and '\\', which the option list
     * would take apart; jspawn's own run-time paths hold none.
     */
    public static void mountReadOnlyOverlay(List<Path> layers, Path target) throws IOException {
        String options = readOnlyOverlayOptions(layers);
        Files.createDirectories(target);
        try {
            C.mount("overlay", target.toString(), "overlay", new NativeLong(MS_RDONLY), options);
        } catch (LastErrorException e) {
            throw new Failure("Failed to mount the stack of " + layers.size() + " layers at " + target + ": " + e.getMessage());
        }
    }

    /**
     * The options of {@link #mountReadOnlyOverlay}'s overlay of {@code layers}, topmost first, beside its read-only flag: what
     * jspawn-prepare passes mount(8) when it mounts the same overlay again.
     */
    public static String readOnlyOverlayOptions(List<Path> layers) {
        if (layers.size() < 2) throw new IllegalArgumentException("overlayfs needs two layers or an upper dir");
        StringBuilder options = new StringBuilder("lowerdir=");
        for (int i = 0; i < layers.size(); i++) {
            String l = layers.get(i).toString();
            if (l.matches(".*[:,\\\\].*")) throw new IllegalArgumentException("a layer path with ':', ',' or '\\': " + l);
            options.append(i == 0 ? "" : ":").append(l);
        }
        return options.toString();
    }

    /** Detaches a mount at {@code target}; false if nothing was mounted there. */
    public static boolean unmount(Path target) throws IOException {
        try {
            C.umount2(target.toString(), MNT_DETACH);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EINVAL || e.getErrorCode() == ENOENT) return false;
            throw new IOException("Failed to unmount " + target + ": " + e.getMessage(), e);
        }
    }

    private static void attach(Path layer, Path target, int userns) throws IOException {
        int tree;
        try {
            tree = C.syscall(new NativeLong(SYS_OPEN_TREE), AT_FDCWD, layer.toString(), OPEN_TREE_CLONE | O_CLOEXEC).intValue();
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOSYS) {
                throw new Failure("Failed to clone " + layer + ": this kernel has no open_tree() (Linux 5.2 or later is needed, 5.19 for"
                        + " user namespaces on overlay children); set PrivateUsers=no");
            }
            if (e.getErrorCode() == ENOENT) throw new Failure("Failed to clone " + layer + ": the base directory does not exist");
            throw new Failure("Failed to clone " + layer + ": " + e.getMessage());
        }
        try {
            Memory attr = new Memory(32); // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
            attr.clear();
            attr.setLong(0, MOUNT_ATTR_RDONLY | (userns >= 0 ? MOUNT_ATTR_IDMAP : 0));
            attr.setLong(24, userns >= 0 ? userns : 0);
            try {
                C.syscall(new NativeLong(SYS_MOUNT_SETATTR), tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, new NativeLong(32));
            } catch (LastErrorException e) {
                if (userns < 0) throw new Failure("Failed to make the view of " + layer + " read-only: " + e.getMessage());
                String why = switch (e.getErrorCode()) {
                    case ENOSYS -> "this kernel has no mount_setattr() (Linux 5.12 or later is needed, 5.19 for overlayfs over idmapped layers)";
                    case EINVAL, EPERM -> "the filesystem of " + layer + " does not support idmapped mounts (" + e.getMessage() + ")";
                    default -> e.getMessage();
                };
                throw new Failure("Failed to idmap " + layer + " for a user namespace: " + why
                        + ". Set PrivateUsers=no in the container's file to run it without one (its root is then host root)");
            }
            try {
                C.syscall(new NativeLong(SYS_MOVE_MOUNT), tree, "", AT_FDCWD, target.toString(), MOVE_MOUNT_F_EMPTY_PATH);
            } catch (LastErrorException e) {
                throw new Failure("Failed to attach the view of " + layer + " at " + target + ": " + e.getMessage());
            }
        } finally {
            C.close(tree);
        }
    }

    /**
     * An fd on a user namespace mapping 0..65535 to [start, start + 65536): a helper process enters a
     * new one, root writes its maps from outside, the fd keeps the namespace alive after the helper ends.
     */
    private static int userNamespace(long start) throws IOException {
        Process p = new ProcessBuilder("unshare", "--user", "--", "cat").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream stdin = p.getOutputStream()) {
            Path ns = Path.of("/proc/" + p.pid() + "/ns/user");
            Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                if (!p.isAlive()) throw new IOException("Failed to create a user namespace: unshare --user exited with " + p.exitValue());
                try {
                    if (!Files.readSymbolicLink(ns).equals(ours)) break;
                } catch (IOException e) {
                    // not there yet
                }
                if (System.nanoTime() > deadline) throw new IOException("Failed to create a user namespace: unshare --user did not enter one");
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while creating a user namespace");
                }
            }
            String map = "0 " + start + " " + UidRanges.SIZE + "\n";
            Files.writeString(Path.of("/proc/" + p.pid() + "/uid_map"), map, StandardCharsets.US_ASCII);
            Files.writeString(Path.of("/proc/" + p.pid() + "/gid_map"), map, StandardCharsets.US_ASCII);
            try {
                return C.open(ns.toString(), O_RDONLY | O_CLOEXEC);
            } catch (LastErrorException e) {
                throw new IOException("Failed to open " + ns + ": " + e.getMessage(), e);
            }
        } finally {
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
