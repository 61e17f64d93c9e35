package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What a base may be copied from: never the host or the image root, and only what the image root has room for. */
public final class BaseSource {

    private BaseSource() {
    }

    /** The host's own trees: a base is never copied from one of them (nor from what they are links to). */
    static final List<String> SYSTEM = List.of("/usr", "/etc", "/var", "/proc", "/sys", "/dev", "/run", "/boot", "/bin", "/sbin",
            "/home", "/root", "/tmp");
    /** Trees the kernel and the running system fill: nothing below them is an OS tree to copy. */
    static final List<String> LIVE = List.of("/proc", "/sys", "/dev", "/run");

    /**
     * Refuses to make a base by copying {@code dir} when that would copy the host or the image root {@code root}:
     * {@code /}, the image root, a directory that holds it or lies inside it (but for a base there,
     * {@code ROOT/NAME} or one of its versions), one of the host's own trees ({@link #SYSTEM}, /lib*)
     * or anything below /proc, /sys, /dev and /run. Real paths are compared: a symlink to / is /.
     *
     * @throws IOException naming the directory and why
     */
    public static void checkCopy(Path root, Path dir) throws IOException {
        Path real = dir.toRealPath();
        Path imageRoot = real(root.toAbsolutePath());
        String why = null;
        if (real.getParent() == null) {
            why = "it is the host's root directory";
        } else if (real.equals(imageRoot)) {
            why = "it is the image root";
        } else if (imageRoot.startsWith(real)) {
            why = "it holds the image root " + root;
        } else if (real.startsWith(imageRoot) && !isBaseTree(real, imageRoot)) {
            why = "it lies inside the image root " + root + ", where only a base (" + root + "/NAME) may be copied";
        } else if (system().contains(real)) {
            why = "it is one of the host's own directories";
        } else {
            for (String live : LIVE) {
                if (real.startsWith(real(Path.of(live)))) why = "it lies inside " + live + ", which the kernel and the running system fill";
            }
        }
        if (why != null) {
            throw new IOException("cannot copy " + dir + (real.equals(dir) ? "" : " (" + real + ")") + ": " + why
                    + "; give the root directory of an OS tree of its own");
        }
    }

    /** A base in the image root: a directory right in it (a plain base) or a version in the store. */
    private static boolean isBaseTree(Path real, Path imageRoot) {
        if (real.getParent().equals(imageRoot)) return !real.getFileName().toString().startsWith(".");
        Path name = real.getParent();
        return name.getParent() != null && name.getParent().equals(real(imageRoot.resolve(BaseStore.STORE)))
                && BaseStore.VERSION.matcher(real.getFileName().toString()).matches();
    }

    /** The host's own directories, each as named and as its real path (/bin is /usr/bin on a merged-/usr host). */
    private static Set<Path> system() throws IOException {
        List<Path> dirs = new ArrayList<>();
        SYSTEM.forEach(d -> dirs.add(Path.of(d)));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/"), "lib*")) {
            s.forEach(dirs::add);
        }
        Set<Path> out = new HashSet<>();
        for (Path d : dirs) {
            out.add(d);
            out.add(real(d));
        }
        return out;
    }

    /** The real path of {@code p}, or, if it does not exist, that of its nearest existing ancestor with the rest appended. */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        for (Path existing = abs; existing != null; existing = existing.getParent()) {
            try {
                return existing.toRealPath().resolve(existing.relativize(abs));
            } catch (IOException e) {
                // not there: try its parent
            }
        }
        return abs;
    }

    /** File systems where cp --reflink=auto shares the data of a copy within them, so that it needs next to no room. */
    private static final Set<String> REFLINK = Set.of("btrfs", "xfs", "bcachefs");

    /**
     * Refuses a copy of {@code source} into the image root that its file system has no room for (the
     * sum of the source's file sizes against the space left), before anything is copied: a copy that
     * fills the disk half-way helps nobody. Within one file system that shares copied data, not checked.
     */
    public static void checkSpace(Path imageRoot, Path source) throws IOException {
        FileStore to = Files.getFileStore(existing(imageRoot));
        if (REFLINK.contains(to.type()) && to.equals(Files.getFileStore(source))) return;
        long needs = Sizes.of(source), free = to.getUsableSpace();
        if (needs > free) {
            throw new BaseFailure("not enough space in " + imageRoot + ": the source needs " + Sizes.human(needs) + ", " + Sizes.human(free) + " free");
        }
    }

    private static Path existing(Path p) {
        Path abs = p.toAbsolutePath();
        while (abs.getParent() != null && !Files.exists(abs)) abs = abs.getParent();
        return abs;
    }
}
