package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Removing a base whole, so that a removal killed half-way leaves no base and the next one finishes it. */
public final class BaseRemoval {

    /** Where a base being removed goes before it is deleted: outside the store, so that nothing of it is taken for a base or a version. */
    public static final String REMOVING = ".jspawn/removing";

    private final Path root;
    private final BaseStore store;

    public BaseRemoval(Path imageRoot) {
        this.root = imageRoot;
        this.store = new BaseStore(imageRoot);
    }

    /** What is left of an earlier removal of {@code name} that was killed, if anything. */
    public Path removing(String name) {
        return root.resolve(REMOVING).resolve(name);
    }

    /**
     * Deletes base {@code name} whole: its current link (or its plain directory), every version and its
     * store directory. The link goes first, so that no child can mount it any more; the directories are
     * then renamed into {@link #removing} and deleted from there, so that a run killed half-way leaves
     * nothing that looks like a base or a version, and the next removal of the name finishes the job.
     * Symlinks are removed, never followed. The caller holds the base's lock and has made sure that
     * nothing uses it.
     */
    public void delete(String name) throws IOException {
        Path link = store.link(name), dir = store.store(name), trash = removing(name);
        Trees.deleteIfExists(trash); // left by a removal that was killed
        if (Files.isSymbolicLink(link)) {
            Files.delete(link);
        } else if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(trash);
            Files.move(link, trash.resolve("plain"), StandardCopyOption.ATOMIC_MOVE);
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(trash);
            Files.move(dir, trash.resolve("versions"), StandardCopyOption.ATOMIC_MOVE);
        }
        Trees.deleteIfExists(trash);
        try {
            Files.deleteIfExists(trash.getParent());
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // another base's removal is under way
        }
    }
}
