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
 * A new version of a base, made without copying it: CMD runs with systemd-nspawn on an overlay (mounted
 * in a private mount namespace) of the current version's layers, and of its parents' for a base layered
 * on another (NAME.base), and what CMD changes, the overlay's upper dir, is one new layer on top. The new
 * version is that stack (see {@link Layers}): of the current one's layers, or, for a version that is one
 * tree (as base create makes it, or an adopted plain directory), of that tree, which then stays as its
 * bottom layer. Then it is made current.
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
        return run(name, cmd, true);
    }

    /** As {@link #run(String, List)}; without {@code makeCurrent} the new version is made but the current one stays (a rollout's). */
    public BaseStore.Version run(String name, List<String> cmd, boolean makeCurrent) throws IOException {
        return run(name, cmd, makeCurrent, false).orElseThrow();
    }

    /**
     * A new version, not current, if {@code cmd} changed anything: what it wrote that is the same as what the version
     * below has (content, type, owner, mode, extended attributes, as prune compares) is dropped from the new layer,
     * and if nothing is left, no version is made (what jspawn auto-upgrade runs a base's UpdateCommand= with).
     */
    public Optional<BaseStore.Version> runIfChanged(String name, List<String> cmd) throws IOException {
        return run(name, cmd, false, true);
    }

    private Optional<BaseStore.Version> run(String name, List<String> cmd, boolean makeCurrent, boolean ifChanged) throws IOException {
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
            return Optional.ofNullable(locked(name, cmd, store, parentLayers, makeCurrent, ifChanged));
        }
    }

    /** There is no current version to copy: its link names one that is gone. */
    private static void refuseMissing(BaseStore store, String name) throws IOException {
        Optional<BaseStore.Missing> missing = store.missing(name);
        if (missing.isPresent()) throw new BaseFailure("cannot update " + name + ": " + missing.get().reason());
    }

    /** A rollout that was cut short owns the base's versions until it is finished or rolled back. */
    static void refuseRollout(BaseStore store, String name) throws IOException {
        Optional<RolloutState> r = RolloutState.open(store, name);
        if (r.isPresent()) {
            throw new BaseFailure("a rollout of " + name + " from v" + r.get().plan().from() + " to v" + r.get().plan().to()
                    + " was cut short; finish it (or roll it back) first: jspawn base upgrade " + name);
        }
    }

    private BaseStore.Version locked(String name, List<String> cmd, BaseStore store, List<String> parentLayers, boolean makeCurrent, boolean ifChanged)
            throws IOException {
        // Under the base's lock: a vN.partial found now was left by a command that died, never one still at work.
        refuseMissing(store, name);
        refuseRollout(store, name);
        store.adopt(name);
        Path current = store.current(name).orElseThrow(() -> new BaseFailure("no base " + name + " in " + imageRoot));
        return layered(name, cmd, store, current, parentLayers, makeCurrent, ifChanged);
    }

    /**
     * The most layers a new version stacks before it is squashed into one: far below overlayfs' 500 lower layers
     * and what a page of mount options holds (the view names each layer in some 40 bytes, see {@link Layers#MAX_DEPTH}),
     * and few enough that a lookup through the stack stays cheap.
     */
    public static final int SQUASH_AT = 16;

    /**
     * A new version of a stack: CMD runs on an overlay of the stack (and the base's parents), whose upper dir becomes
     * one new layer on top, so the disk grows by what CMD changed. Once the stack would exceed {@link #SQUASH_AT},
     * the new version is one layer: a copy of the overlay's merged tree. Older versions keep their layers.
     */
    private BaseStore.Version layered(String name, List<String> cmd, BaseStore store, Path current, List<String> parentLayers, boolean makeCurrent,
            boolean ifChanged) throws IOException {
        // A version that is one tree is the new version's bottom layer, as it is: nothing is copied.
        List<String> ids = new ArrayList<>(Layers.isStack(current) ? Layers.ids(current) : List.of(current.getFileName().toString()));
        List<Path> below = new ArrayList<>(Layers.of(current));
        for (String p : parentLayers) below.addAll(Layers.of(Path.of(p)));
        Path partial = store.prepare(name);
        Path layer = partial.resolveSibling(partial.getFileName() + ".layer");
        Path work = partial.resolveSibling(partial.getFileName() + ".work");
        Path mnt = partial.resolveSibling(partial.getFileName() + ".mnt");
        Path squashed = partial.resolveSibling(partial.getFileName() + ".squashed");
        boolean squash = ids.size() + 1 > SQUASH_AT;
        try {
            for (Path p : List.of(layer, work, mnt, squashed)) Trees.deleteIfExists(p);
            Files.createDirectory(layer);
            Files.createDirectory(work);
            Files.createDirectory(mnt);
            StringBuilder lower = new StringBuilder();
            for (Path l : below) lower.append(lower.length() == 0 ? "" : ":").append(l);
            // No redirects, metacopy or index: the upper dir must be a plain layer that any overlay can stack.
            String options = "lowerdir=" + lower + ",upperdir=" + layer + ",workdir=" + work + ",redirect_dir=off,metacopy=off,index=off";
            List<String> run = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                    "mount -t overlay overlay -o \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", options, mnt.toString()));
            String machine = "jspawn-update-" + HexFormat.of().formatHex(ByteBuffer.allocate(4).putInt(new SecureRandom().nextInt()).array());
            run.addAll(List.of("systemd-nspawn", "--quiet", "--register=no", "--settings=no", "--link-journal=no", "--machine=" + machine,
                    "--resolv-conf=bind-host", "--timezone=off", "--directory=" + mnt, "--"));
            run.addAll(cmd);
            out.println("Running on " + current.getFileName() + " of " + name + " (" + ids.size() + " layers; what it changes becomes a new one): "
                    + String.join(" ", cmd));
            out.flush();
            int status = tools.run(run);
            if (status != 0) throw new BaseFailure(String.join(" ", cmd) + " failed (exit status " + status + "); the base is unchanged");
            tools.blankIdentity(layer); // whatever the command left in its layer: a base gives its children no identity
            if (ifChanged) {
                new Prune(layer, below, false, null, a -> { }).run();
                boolean empty;
                try (var entries = Files.list(layer)) {
                    empty = entries.findAny().isEmpty();
                }
                if (empty) {
                    out.println(name + ": " + String.join(" ", cmd) + " changed nothing; no new version");
                    out.flush();
                    Trees.deleteIfExists(partial);
                    return null;
                }
            }
            Path top = layer;
            if (squash) {
                out.println("The stack would have " + (ids.size() + 1) + " layers, more than " + SQUASH_AT + ": squashing it into one (older versions keep theirs)");
                out.flush();
                Files.createDirectory(squashed);
                String merged = "lowerdir=" + layer + ":" + lower;
                // As a copy: on a full disk, cp's one error per file shows as its first and a count.
                int copied = tools.copy(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                        "mount -t overlay overlay -o \"$1\" \"$2\" && exec cp -a --reflink=auto \"$2\"/. \"$3\"/", "sh", "ro," + merged, mnt.toString(),
                        squashed.toString()), below.get(below.size() - 1), squashed);
                if (copied != 0) throw new BaseFailure("Failed to squash the stack of " + name + "; the base is unchanged");
                top = squashed;
                ids.clear();
            }
            String id = "local-" + HexFormat.of().formatHex(ByteBuffer.allocate(16).putLong(new SecureRandom().nextLong()).putLong(new SecureRandom().nextLong()).array());
            try (var layersLock = Locks.layers(lockDir, imageRoot, locks)) {
                Files.createDirectories(Layers.store(imageRoot));
                Files.move(top, Layers.dir(imageRoot, id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                ids.add(id);
                Layers.writeStack(partial, ids);
                // The image config goes on with the image's layers: its command still runs children with Boot=no. (A pull
                // of that image again tells this version from it by the layers.)
                Path config = current.resolve(OciImage.CONFIG_FILE);
                if (Files.isRegularFile(config, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.copy(config, partial.resolve(OciImage.CONFIG_FILE));
                BaseStore.Version v = store.commit(name, partial, makeCurrent);
                String size = ids.size() + " layers, the new one " + Sizes.human(Sizes.of(Layers.dir(imageRoot, id)));
                out.println(makeCurrent ? name + ": " + v.label() + " is now current (" + size + "). Running children keep their version until they restart."
                        : name + ": made " + v.label() + " (" + size + "); " + current.getFileName() + " stays current until the rollout is done.");
                out.flush();
                return v;
            }
        } catch (RuntimeException | IOException e) {
            Trees.deleteIfExists(partial);
            throw e;
        } finally {
            for (Path p : List.of(layer, work, mnt, squashed)) Trees.deleteIfExists(p);
        }
    }
}
