package dev.jspawn.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.jspawn.config.ContainerConfig;

/**
 * Removes from a child's upper dir what the base already provides, so that an updated base shows
 * through, without losing anything the child changed.
 *
 * <p>A file in the upper dir is removed only if the base, as the child will see it through its
 * lower layers (whiteouts and opaque directories of the layers honoured), has an entry at the same
 * path with the same type, content (or symlink target, or device number), owner, mode and own
 * extended attributes: the merged view is then the same with or without it. A directory copied up
 * only to hold such files is removed once empty, if its metadata equals the base's. Everything
 * else stays: whiteouts, opaque or redirected directories and all below them, files the child made,
 * hard-linked files, metacopy files. A file the child changed (the base has another version) is
 * kept and reported; with {@code preferBase} it is moved into the backup dir instead (same path
 * below it; an earlier backup of the same path is not overwritten: the new one gets a numbered
 * name, the highest number being the newest, as cp --backup=numbered does).
 *
 * <p>Every step is one unlink, rmdir or rename, so a prune killed at any point leaves a state from
 * which running it again reaches the same end, losing nothing. Nothing below a symlink is ever
 * followed. The overlay must not be mounted while this runs (the caller checks).
 */
public final class Prune {

    public enum Kind {
        /** Identical to the base: removed. */
        REMOVE,
        /** A directory that held only identical files and equals the base's: removed. */
        REMOVE_DIR,
        /** Changed by the child: kept. */
        KEEP_CHANGED,
        /** Changed by the child, moved to the backup dir (preferBase). */
        BACKUP
    }

    /** One thing done (or, in a dry run, that would be done), by path relative to the upper dir. */
    public record Action(Kind kind, Path path, Path backup) {
        @Override
        public String toString() {
            return switch (kind) {
                case REMOVE -> "remove " + path + " (identical to the base)";
                case REMOVE_DIR -> "remove directory " + path + " (holds nothing the base lacks)";
                case KEEP_CHANGED -> "keep " + path + " (changed by the child)";
                case BACKUP -> "move " + path + " to " + backup + " (changed by the child; the base's version will show)";
            };
        }
    }

    public record Summary(int removed, int removedDirs, int kept, int backedUp) {
    }

    private final Path upper;
    private final List<Path> lowers;
    private final boolean dryRun;
    private final Path backupDir;
    private final Consumer<Action> listener;
    /** Where a reversible prune (a rollout's) moves what it removes, or null to delete it (see {@link Aside}). */
    private Path aside;
    private int removed, removedDirs, kept, backedUp;
    /** The child's user namespace start (0: none), read from the upper dir's owner. */
    private long shift;

    /**
     * @param lowers    the child's lower layers, topmost first (as in lowerdir=)
     * @param backupDir where changed files go with preferBase, or null to keep them in place
     * @param listener  told of every action, in order
     */
    public Prune(Path upper, List<Path> lowers, boolean dryRun, Path backupDir, Consumer<Action> listener) {
        this.upper = upper;
        this.lowers = List.copyOf(lowers);
        this.dryRun = dryRun;
        this.backupDir = backupDir;
        this.listener = listener;
    }

    /**
     * The prune of a child: its upper dir against its lower layers (its own base's version the one a rollout in
     * progress has it on, see {@link RolloutState#lowerFor}); changed files go to its backup dir with preferBase.
     */
    public static Prune forChild(ContainerConfig c, boolean dryRun, boolean preferBase, Consumer<Action> listener) throws IOException {
        return new Prune(Path.of(c.upperDir()), RolloutState.lowersFor(c), dryRun, preferBase ? Path.of(c.backupDir()) : null, listener);
    }

    /**
     * A rollout's prune of a child, which can be undone: what it removes goes to the child's aside dir
     * ({@link RolloutState#asideDir}) instead of being deleted, and {@link Aside#restore} puts it back.
     * Changed files stay where they are.
     */
    public static Prune reversible(ContainerConfig c, Consumer<Action> listener) throws IOException {
        return new Prune(Path.of(c.upperDir()), RolloutState.lowersFor(c), false, null, listener).aside(RolloutState.asideDir(c));
    }

    /** This prune moves what it removes to {@code dir} (see {@link Aside}) instead of deleting it. */
    Prune aside(Path dir) {
        this.aside = dir;
        return this;
    }

    public Summary run() throws IOException {
        Optional<Node> root = Node.stat(upper);
        if (root.isEmpty() || root.get().type() != Node.Type.DIRECTORY) throw new IOException(upper + " is not a directory");
        shift = root.get().rangeStart();
        List<Path> rootLayers = new ArrayList<>();
        // As the kernel does at mount time: a layer named through a symlink (a versioned base) is its target, and a
        // version that is a stack is its layers.
        for (Path l : Layers.of(lowers)) {
            Optional<Node> n = Node.stat(l);
            if (n.isEmpty() || n.get().type() != Node.Type.DIRECTORY) throw new IOException("lower layer " + l + " is not a directory");
            rootLayers.add(l);
            if (n.get().overlayMark("opaque").isPresent()) break;
        }
        walk(Path.of(""), rootLayers);
        return new Summary(removed, removedDirs, kept, backedUp);
    }

    /** The base's entry at {@code rel} as the child sees it: the topmost layer that has it, unless that is a whiteout. */
    private record BaseEntry(Node node, int layer) {
    }

    private Optional<BaseEntry> base(Path rel, List<Path> layers) throws IOException {
        for (int i = 0; i < layers.size(); i++) {
            Optional<Node> n = Node.stat(layers.get(i).resolve(rel));
            if (n.isPresent()) {
                return n.get().isWhiteout() ? Optional.empty() : Optional.of(new BaseEntry(n.get(), i));
            }
        }
        return Optional.empty();
    }

    /** The layers in which directory {@code rel} (found in layer {@code from}) is merged: down to an opaque one or a non-directory. */
    private List<Path> dirLayers(Path rel, List<Path> layers, int from) throws IOException {
        List<Path> out = new ArrayList<>();
        for (int i = from; i < layers.size(); i++) {
            Optional<Node> n = Node.stat(layers.get(i).resolve(rel));
            if (n.isEmpty()) continue;
            if (n.get().type() != Node.Type.DIRECTORY) break; // a whiteout or a file hides what is below
            out.add(layers.get(i));
            if (n.get().overlayMark("opaque").isPresent()) break;
        }
        return out;
    }

    /** Prunes below {@code dir}; true if everything below it went (was removed or moved to the backup). */
    private boolean walk(Path dir, List<Path> layers) throws IOException {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(upper.resolve(dir))) {
            for (Path p : s) names.add(p.getFileName());
        }
        names.sort(null);
        boolean allGone = true;
        for (Path name : names) {
            Path rel = dir.resolve(name);
            Optional<Node> found = Node.stat(upper.resolve(rel));
            if (found.isEmpty()) continue;
            if (!prune(rel, found.get(), layers)) allGone = false;
        }
        return allGone;
    }

    /** One entry of the upper dir; true if it went. */
    private boolean prune(Path rel, Node u, List<Path> layers) throws IOException {
        if (u.isWhiteout()) return false; // it hides something, or nothing: either way harmless to keep
        Optional<BaseEntry> b = base(rel, layers);
        if (u.type() == Node.Type.DIRECTORY) {
            boolean own = u.overlayMark("opaque").isPresent() || u.overlayMark("redirect").isPresent()
                    || b.isEmpty() || b.get().node().type() != Node.Type.DIRECTORY;
            if (own) return false; // nothing of the base shows below it
            boolean emptied = walk(rel, dirLayers(rel, layers, b.get().layer()));
            if (!emptied || !u.sameMetadata(b.get().node(), shift)) return false;
            act(new Action(Kind.REMOVE_DIR, rel, null));
            return true;
        }
        if (b.isEmpty() || u.nlink() > 1 || u.overlayMark("metacopy").isPresent() || u.overlayMark("redirect").isPresent()) {
            return false; // the child's own file, or one whose meaning depends on more than this path
        }
        if (identical(u, b.get().node(), shift)) {
            act(new Action(Kind.REMOVE, rel, null));
            return true;
        }
        if (backupDir != null) {
            act(new Action(Kind.BACKUP, rel, freeBackupName(rel)));
            return true;
        }
        act(new Action(Kind.KEEP_CHANGED, rel, null));
        return false;
    }

    private void act(Action a) throws IOException {
        listener.accept(a);
        switch (a.kind()) {
            case REMOVE -> removed++;
            case REMOVE_DIR -> removedDirs++;
            case KEEP_CHANGED -> kept++;
            case BACKUP -> backedUp++;
        }
        if (dryRun) return;
        Path target = upper.resolve(a.path());
        switch (a.kind()) {
            case REMOVE -> {
                if (aside == null) Files.delete(target);
                else Aside.keep(aside, upper, a.path());
            }
            case REMOVE_DIR -> {
                if (aside == null) Files.delete(target);
                else Aside.keepDir(aside, upper, a.path());
            }
            case BACKUP -> {
                Beneath.privateDir(backupDir); // it holds what the guest made: root only, never a symlink
                Beneath.createParents(backupDir, backupDir.relativize(a.backup()), (dir, rel) -> { });
                Files.move(target, a.backup(), StandardCopyOption.ATOMIC_MOVE);
            }
            case KEEP_CHANGED -> { }
        }
    }

    private Path freeBackupName(Path rel) throws IOException {
        // Earlier backups are what the guest made: a symlink among them must not steer this one elsewhere.
        Path p = Beneath.resolve(backupDir, rel);
        if (Node.stat(p).isEmpty()) return p;
        for (int n = 1;; n++) {
            Path numbered = p.resolveSibling(p.getFileName() + ".~" + n + "~");
            if (Node.stat(numbered).isEmpty()) return numbered;
        }
    }

    static boolean identical(Node a, Node b, long shift) throws IOException {
        if (!a.sameMetadata(b, shift)) return false;
        return switch (a.type()) {
            case FILE -> a.size() == b.size() && sameContent(a.path(), b.path());
            case SYMLINK -> Files.readSymbolicLink(a.path()).equals(Files.readSymbolicLink(b.path()));
            default -> true; // devices (rdev compared), fifos, sockets: nothing more to compare
        };
    }

    private static boolean sameContent(Path a, Path b) throws IOException {
        try (InputStream x = Files.newInputStream(a); InputStream y = Files.newInputStream(b)) {
            byte[] bx = new byte[65536], by = new byte[65536];
            while (true) {
                int nx = x.readNBytes(bx, 0, bx.length);
                int ny = y.readNBytes(by, 0, by.length);
                if (nx != ny || !Arrays.equals(bx, 0, nx, by, 0, ny)) return false;
                if (nx < bx.length) return true;
            }
        }
    }
}
