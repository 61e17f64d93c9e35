package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.Values;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.BaseUsers;
import dev.jspawn.images.MountTable;
import dev.jspawn.images.Trees;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "base",
        description = {"Base images: make them, update them without touching a running child's lower layer, and run the how-to's update cycle.",
                "Versions live in IMAGE_ROOT/.jspawn/bases/NAME/vN; IMAGE_ROOT/NAME points at the current one."},
        subcommands = {BaseListCommand.class, BaseCreateCommand.class, BaseUpdateCommand.class, BaseUpgradeCommand.class,
                BaseVersionsCommand.class, BaseRollbackCommand.class, BaseGcCommand.class, BaseRemoveCommand.class})
final class BaseCommand {

    @ParentCommand
    Jspawn parent;

    @Option(names = "--image-root", paramLabel = "DIR", defaultValue = ConfigLoader.DEFAULT_IMAGE_ROOT, scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Where the bases are (default: ${DEFAULT-VALUE}).")
    Path imageRoot;

    Context context() {
        return parent.context;
    }

    BaseStore store() {
        return new BaseStore(imageRoot);
    }

    /** Who uses the bases of this image root: children, base files, overlays and mounts (see {@link BaseUsers}). */
    BaseUsers users() {
        return new BaseUsers(imageRoot, context().searchPath(), mountTable(context().proc()));
    }

    /** /proc/self/mountinfo as {@link Mounts} reads it, for the images module. */
    static MountTable mountTable(Path proc) {
        return new MountTable() {
            @Override
            public List<MountTable.Overlay> overlays() {
                return Mounts.overlays(proc).stream().map(o -> new MountTable.Overlay(o.mountPoint(), o.lowers(), o.upper())).toList();
            }

            @Override
            public List<String> points() {
                return Mounts.points(proc);
            }
        };
    }

    static String validName(String name) {
        try {
            return Values.fileName(name);
        } catch (Values.Invalid e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * A new version: a copy of the current one (copy-on-write where the filesystem allows), CMD run
     * inside with systemd-nspawn, then made current. For a layered base the copy is its own layer, and
     * CMD runs on an overlay of it over its parent chain (mounted in a private mount namespace), so the
     * new version again holds only what this layer adds.
     */
    BaseStore.Version update(String name, List<String> cmd, PrintWriter out) throws IOException {
        validName(name);
        try {
            Values.path(imageRoot.toString());
        } catch (Values.Invalid e) {
            throw new UserError("--image-root: " + e.getMessage());
        }
        BaseStore store = store();
        refuseMissing(store, name);
        if (store.current(name).isEmpty()) throw new UserError("no base " + name + " in " + imageRoot);
        Bases bases = Bases.load(context().searchPath());
        List<String> parentLayers;
        try {
            // The whole chain, which also refuses an invalid NAME.base or a loop; what is under this layer is its parents.
            List<String> chain = bases.lowerDirs(name, imageRoot.toString());
            parentLayers = chain.subList(1, chain.size());
        } catch (Values.Invalid e) {
            throw new UserError("base " + name + ": " + e.getMessage());
        }
        try (var lock = Locking.base(parent, imageRoot, name)) {
            return updateLocked(name, cmd, out, store, parentLayers);
        }
    }

    /** File systems where cp --reflink=auto shares the data of a copy within them, so that it needs next to no room. */
    private static final Set<String> REFLINK = Set.of("btrfs", "xfs", "bcachefs");

    /**
     * Refuses a copy of {@code source} into the image root that its file system has no room for (the
     * sum of the source's file sizes against the space left), before anything is copied: a copy that
     * fills the disk half-way helps nobody. Within one file system that shares copied data, not checked.
     */
    static void checkSpace(Path imageRoot, Path source) throws IOException {
        java.nio.file.FileStore to = Files.getFileStore(existing(imageRoot));
        if (REFLINK.contains(to.type()) && to.equals(Files.getFileStore(source))) return;
        long needs = Sizes.of(source), free = to.getUsableSpace();
        if (needs > free) {
            throw new UserError("not enough space in " + imageRoot + ": the source needs " + Sizes.human(needs) + ", " + Sizes.human(free) + " free");
        }
    }

    private static Path existing(Path p) {
        Path abs = p.toAbsolutePath();
        while (abs.getParent() != null && !Files.exists(abs)) abs = abs.getParent();
        return abs;
    }

    /** There is no current version to copy: its link names one that is gone. */
    private static void refuseMissing(BaseStore store, String name) throws IOException {
        Optional<BaseStore.Missing> missing = store.missing(name);
        if (missing.isPresent()) throw new UserError("cannot update " + name + ": " + missing.get().reason());
    }

    private BaseStore.Version updateLocked(String name, List<String> cmd, PrintWriter out, BaseStore store, List<String> parentLayers) throws IOException {
        // Under the base's lock: a vN.partial found now was left by a command that died, never one still at work.
        refuseMissing(store, name);
        checkSpace(imageRoot, store.current(name).orElseThrow(() -> new UserError("no base " + name + " in " + imageRoot)));
        store.adopt(name);
        Path current = store.current(name).orElseThrow(() -> new UserError("no base " + name + " in " + imageRoot));
        Path partial = store.prepare(name);
        Path work = partial.resolveSibling(partial.getFileName() + ".work");
        Path mnt = partial.resolveSibling(partial.getFileName() + ".mnt");
        try {
            out.println("Copying " + current.getFileName() + " of " + name + " to a new version...");
            out.flush();
            Progress.Errors errors = new Progress.Errors();
            int copied = Progress.copy(out, "copied", current, partial, () -> context().runner()
                    .runWithErrors(List.of("cp", "-a", "--one-file-system", "--reflink=auto", current.toString(), partial.toString()), errors));
            errors.print(parent.spec.commandLine().getErr());
            if (copied != 0) throw new UserError("Failed to copy " + current + "; the base is unchanged");
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
            String machine = "jspawn-update-" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4)
                    .putInt(new java.security.SecureRandom().nextInt()).array());
            run.addAll(List.of("systemd-nspawn", "--quiet", "--register=no", "--settings=no", "--link-journal=no", "--machine=" + machine,
                    "--resolv-conf=bind-host", "--timezone=off", "--directory=" + dir, "--"));
            run.addAll(cmd);
            out.println("Running in it" + (parentLayers.isEmpty() ? "" : " (over " + String.join(":", parentLayers) + ")") + ": "
                    + String.join(" ", cmd));
            out.flush();
            int status = context().runner().run(run);
            if (status != 0) throw new UserError(String.join(" ", cmd) + " failed (exit status " + status + "); the base is unchanged");
            Identity.blank(partial, out); // whatever the command left: a base gives its children no identity
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

    /** Warnings after a listing, on standard error so that --json output stays JSON. */
    static void warn(CommandSpec spec, List<String> warnings) {
        PrintWriter err = spec.commandLine().getErr();
        for (String w : warnings) err.println("jspawn: warning: " + w);
        err.flush();
    }
}
