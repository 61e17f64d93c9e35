package dev.jspawn.config;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The host's own directories, which no container directory and no base may be: an image root of
 * "/" would put a child's overlay over /etc, a base of "/" would show the host's whole tree (its
 * /etc/shadow too) to the guest.
 */
public final class HostPaths {

    /** Trees that belong to the host or its kernel, below which nothing of a container may lie. */
    static final List<String> TREES = List.of("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot",
            "/proc", "/sys", "/dev", "/run");
    /** Directories that hold the host's own things: a subdirectory is fine, the directory itself is not. */
    static final Set<String> DIRS = Set.of("/", "/var", "/var/lib", "/var/cache", "/var/log", "/var/spool", "/var/mail", "/var/tmp", "/tmp", "/home",
            "/root", "/srv", "/opt", "/mnt", "/media");

    private HostPaths() {
    }

    /** Why {@code path} cannot be a container's directory or a base, or empty. */
    public static Optional<String> problem(String path) {
        if (DIRS.contains(path)) return Optional.of(path + " is one of the host's own directories");
        for (String t : TREES) {
            if (within(path, t)) return Optional.of(path + (path.equals(t) ? " is" : " is inside") + " the host's " + t);
        }
        return Optional.empty();
    }

    /** {@code path} is {@code dir} or below it. */
    public static boolean within(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir.equals("/") ? "/" : dir + "/");
    }

    /** One of the two is the other or below it. */
    public static boolean overlap(String a, String b) {
        return within(a, b) || within(b, a);
    }
}
