package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.jspawn.config.Bases;
import dev.jspawn.config.SearchPath;
import dev.jspawn.config.Values;

/**
 * A new version of a base: a copy of the current one (copy-on-write where the filesystem allows), CMD run
 * inside with systemd-nspawn, then made current. For a layered base the copy is its own layer, and
 * CMD runs on an overlay of it over its parent chain (mounted in a private mount namespace), so the
 * new version again holds only what this layer adds.
 */
public final class BaseUpdate {

    private final Path imageRoot;
    private final SearchPath searchPath;
    private final Path lockDir;
    private final Locks.Policy locks;
    private final BaseTools tools;
    private final PrintWriter out;

    /**
     * @param searchPath where the NAME.base files are, which tell a layered base's parents
     * @param lockDir    where the bases' locks are (see {@link Locks})
     * @param out        where the steps are told
     */
    public BaseUpdate(Path imageRoot, SearchPath searchPath, Path lockDir, Locks.Policy locks, BaseTools tools, PrintWriter out) {
        this.imageRoot = imageRoot;
        this.searchPath = searchPath;
        this.lockDir = lockDir;
        this.locks = locks;
        this.tools = tools;
        this.out = out;
    }

    /** The base's lock, exclusively, as {@link #run} takes it (a caller may hold it around more than the update). */
    public Locks.Held lock(String name) throws IOException {
        return Locks.base(lockDir, imageRoot, name, true, locks);
    }

    /** Makes the new version of base {@code name}, running {@code cmd} in it, and makes it current. */
    public BaseStore.Version run(String name, List<String> cmd) throws IOException {
        BaseStore.validName(name);
        try {
            Values.path(imageRoot.toString());
        } catch (Values.Invalid e) {
            throw new BaseFailure("--image-root: " + e.getMessage());
        }
        BaseStore store = new BaseStore(imageRoot);
        refuseMissing(store, name);
        if (store.current(name).isEmpty()) throw new BaseFailure("no base " + name + " in " + imageRoot);
        Bases bases = Bases.load(searchPath);
        List<String> parentLayers;
        try {
            // The whole chain, which also refuses an invalid NAME.base or a loop; what is under this layer is its parents.
            List<String> chain = bases.lowerDirs(name, imageRoot.toString());
            parentLayers = chain.subList(1, chain.size());
        } catch (Values.Invalid e) {
            throw new BaseFailure("base " + name + ": " + e.getMessage());
        }
        try (var lock = lock(name)) {
            return locked(name, cmd, store, parentLayers);
        }
    }

    /** There is no current version to copy: its link names one that is gone. */
    private static void refuseMissing(BaseStore store, String name) throws IOException {
        Optional<BaseStore.Missing> missing = store.missing(name);
        if (missing.isPresent()) throw new BaseFailure("cannot update " + name + ": " + missing.get().reason());
    }

    private BaseStore.Version locked(String name, List<String> cmd, BaseStore store, List<String> parentLayers) throws IOException {
        // Under the base's lock: a vN.partial found now was left by a command that died, never one still at work.
        refuseMissing(store, name);
        BaseSource.checkSpace(imageRoot, store.current(name).orElseThrow(() -> new BaseFailure("no base " + name + " in " + imageRoot)));
        store.adopt(name);
        Path current = store.current(name).orElseThrow(() -> new BaseFailure("no base " + name + " in " + imageRoot));
        if (Layers.isStack(current)) {
            // A copy of a stack copies its links, not a tree to run CMD in; a new layer over it is what an update must make.
            throw new BaseFailure("cannot update " + name + " yet: its " + current.getFileName() + " is a stack of image layers (from base pull),"
                    + " and base update runs CMD in a copy of a tree; pull a new image into it instead (jspawn base pull " + name + " SOURCE)");
        }
        Path partial = store.prepare(name);
        Path work = partial.resolveSibling(partial.getFileName() + ".work");
        Path mnt = partial.resolveSibling(partial.getFileName() + ".mnt");
        try {
            out.println("Copying " + current.getFileName() + " of " + name + " to a new version...");
            out.flush();
            int copied = tools.copy(List.of("cp", "-a", "--one-file-system", "--reflink=auto", current.toString(), partial.toString()), current, partial);
            if (copied != 0) throw new BaseFailure("Failed to copy " + current + "; the base is unchanged");
            List<String> run = new ArrayList<>();
            Path dir = partial;
            if (!parentLayers.isEmpty()) {
                Files.createDirectories(work);
                Files.createDirectories(mnt);
                // The paths are arguments of the script, never spliced into it.
                run.addAll(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                        "mount -t overlay overlay -o \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh",
                        "lowerdir=" + String.join(":", parentLayers) + ",upperdir=" + partial + ",workdir=" + work, mnt.toString()));
                dir = mnt;
            }
            // A machine name of its own: by default nspawn names its scope after the directory (vN.partial.scope), and the
            // scope of a run that was killed can linger and make the next attempt at the same version fail.
            String machine = "jspawn-update-" + HexFormat.of().formatHex(ByteBuffer.allocate(4).putInt(new SecureRandom().nextInt()).array());
            run.addAll(List.of("systemd-nspawn", "--quiet", "--register=no", "--settings=no", "--link-journal=no", "--machine=" + machine,
                    "--resolv-conf=bind-host", "--timezone=off", "--directory=" + dir, "--"));
            run.addAll(cmd);
            out.println("Running in it" + (parentLayers.isEmpty() ? "" : " (over " + String.join(":", parentLayers) + ")") + ": "
                    + String.join(" ", cmd));
            out.flush();
            int status = tools.run(run);
            if (status != 0) throw new BaseFailure(String.join(" ", cmd) + " failed (exit status " + status + "); the base is unchanged");
            tools.blankIdentity(partial); // whatever the command left: a base gives its children no identity
        } catch (RuntimeException | IOException e) {
            Trees.deleteIfExists(partial);
            throw e;
        } finally {
            Trees.deleteIfExists(work);
            Trees.deleteIfExists(mnt);
        }
        BaseStore.Version v = store.commit(name, partial);
        out.println(name + ": " + v.label() + " is now current. Running children keep their version until they restart.");
        out.flush();
        return v;
    }
}
