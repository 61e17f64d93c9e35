package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.config.Values;
import dev.jspawn.generator.Converter;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.Prune;
import dev.jspawn.images.Sizes;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "base",
        description = {"Base images: make them, update them without touching a running child's lower layer, and run the how-to's update cycle.",
                "Versions live in IMAGE_ROOT/.jspawn/bases/NAME/vN; IMAGE_ROOT/NAME points at the current one."},
        subcommands = {BaseCommand.ListBases.class, BaseCreateCommand.class, BaseCommand.Update.class, BaseCommand.Upgrade.class,
                BaseCommand.Versions.class, BaseCommand.Rollback.class, BaseCommand.Gc.class,
                BaseCommand.Remove.class})
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

    /** Every valid child whose chain of bases includes this base. */
    List<ContainerConfig> children(String base) {
        SearchPath sp = context().searchPath();
        Bases bases = Bases.load(sp);
        String dir = imageRoot.resolve(base).toString();
        List<ContainerConfig> out = new ArrayList<>();
        for (ConfigSource s : sp.scan().sources()) {
            ConfigLoader.load(s, bases).config().filter(c -> c.lowerDirs().contains(dir)).ifPresent(out::add);
        }
        return out;
    }

    static String validName(String name) {
        try {
            return Values.fileName(name);
        } catch (Values.Invalid e) {
            throw new UserError(e.getMessage());
        }
    }

    /**
     * Who uses which version of a base: a configured child or a base file that names a version's
     * directory itself (an absolute Base=); a mounted overlay that has a version's directory as a layer,
     * or the base (IMAGE_ROOT/NAME), whose version the probes tell (BaseStore.usedBy: all of them when
     * they cannot); and a mount inside a version's directory, which deleting it would go through.
     */
    Map<Integer, List<String>> usage(String base) throws IOException {
        return usage(base, true);
    }

    /** As {@link #usage(String)}; without {@code mounts}, only who names a version. */
    Map<Integer, List<String>> usage(String base, boolean mounts) throws IOException {
        BaseStore store = store();
        Map<Path, Integer> dirs = new java.util.HashMap<>();
        Map<Path, Integer> real = new java.util.HashMap<>();
        for (BaseStore.Version v : store.versions(base)) {
            dirs.put(v.dir(), v.number());
            real.put(v.dir().toRealPath(), v.number());
        }
        Map<Integer, List<String>> used = new TreeMap<>();
        java.util.function.BiConsumer<Integer, String> use = (v, who) -> {
            List<String> users = used.computeIfAbsent(v, k -> new ArrayList<>());
            if (!users.contains(who)) users.add(who);
        };
        if (dirs.isEmpty()) return used;
        SearchPath sp = context().searchPath();
        Bases bases = Bases.load(sp);
        Map<String, ContainerConfig> childAt = new java.util.HashMap<>();
        for (ConfigSource s : sp.scan().sources()) {
            Optional<ContainerConfig> c = ConfigLoader.load(s, bases).config();
            if (c.isEmpty()) continue;
            childAt.put(c.get().where(), c.get());
            for (String d : c.get().lowerDirs()) {
                Integer v = dirs.get(Path.of(d).normalize());
                if (v != null) use.accept(v, c.get().name());
            }
        }
        for (String b : bases.names()) {
            Integer v = bases.parentOf(b).map(p -> dirs.get(Path.of(p).normalize())).orElse(null);
            if (v != null) use.accept(v, b + Bases.SUFFIX);
        }
        if (!mounts) return used;
        for (Mounts.Overlay o : Mounts.overlays(context().proc())) {
            ContainerConfig child = childAt.get(o.mountPoint());
            String who = child != null ? child.name() : "the overlay at " + o.mountPoint();
            // A child of this base names the views of its layers in lowerdir= (idmapped, detached once mounted), not the base:
            // its version is told by the probes too.
            boolean probe = child != null && child.lowerDirs().contains(store.link(base).toString());
            for (String lower : o.lowers()) {
                Path p = Path.of(lower).normalize();
                if (dirs.containsKey(p)) use.accept(dirs.get(p), who);
                else if (p.equals(store.link(base))) probe = true;
            }
            if (probe) {
                for (int v : store.usedBy(base, Path.of(o.mountPoint()), o.upper() == null ? null : Path.of(o.upper()))) use.accept(v, who);
            }
        }
        for (String point : Mounts.points(context().proc())) {
            real.forEach((dir, v) -> {
                if (Path.of(point).startsWith(dir)) use.accept(v, "the mount at " + point);
            });
        }
        return used;
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
            BaseStoreCleanup.discard(partial);
            throw e;
        } finally {
            BaseStoreCleanup.discard(work);
            BaseStoreCleanup.discard(mnt);
        }
        BaseStore.Version v = store.commit(name, partial);
        out.println(name + ": " + v.label() + " is now current. Running children keep their version until they restart.");
        out.flush();
        return v;
    }

    @Command(name = "list", description = "Every base: its current version, how many versions, its size and the children that use it.")
    static final class ListBases implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @picocli.CommandLine.Mixin
        Output output = new Output();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            SearchPath sp = base.context().searchPath();
            Bases bases = Bases.load(sp);
            Map<String, List<String>> users = new TreeMap<>();
            for (ConfigSource s : sp.scan().sources()) {
                ConfigLoader.load(s, bases).config().ifPresent(c -> {
                    for (String dir : c.lowerDirs()) {
                        Path p = Path.of(dir);
                        if (p.getParent() != null && p.getParent().equals(base.imageRoot)) {
                            users.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(c.name());
                        }
                    }
                });
            }
            Path store = base.imageRoot.resolve(BaseStore.STORE);
            if (Files.isDirectory(store)) {
                try (var s = Files.list(store)) {
                    for (Path p : s.toList()) {
                        String name = p.getFileName().toString();
                        if (!users.containsKey(name) && base.store().isLeftover(name)) continue; // no base: nothing to list
                        users.computeIfAbsent(name, k -> new ArrayList<>());
                    }
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : users.entrySet()) {
                BaseStore st = base.store();
                List<BaseStore.Version> versions = st.versions(e.getKey());
                Optional<Path> current = st.current(e.getKey());
                Optional<BaseStore.Missing> missing = st.missing(e.getKey());
                missing.ifPresent(m -> warnings.add(m.reason()));
                String label = current.isEmpty() ? "missing" : versions.stream().filter(BaseStore.Version::current).map(BaseStore.Version::label)
                        .findFirst().orElse("plain");
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("base", e.getKey());
                row.put("current", label);
                row.put("versions", Math.max(versions.size(), current.isPresent() ? 1 : 0));
                long size = current.isPresent() ? Sizes.of(current.get()) : -1;
                row.put("size_bytes", size < 0 ? null : size);
                row.put("children", e.getValue());
                rows.add(row);
            }
            output.rows(out, List.of(Output.Column.of("BASE", "base"), Output.Column.of("CURRENT", "current"), Output.Column.of("VERSIONS", "versions"),
                    new Output.Column("SIZE", r -> r.get("size_bytes") == null ? "-" : Sizes.human((Long) r.get("size_bytes"))),
                    Output.Column.of("CHILDREN", "children")), rows, null);
            warn(spec, warnings);
            return 0;
        }
    }

    @Command(name = "update", description = {"Make a new version of a base: copy the current one, run CMD inside it with systemd-nspawn, and make it current.",
            "Running children keep their version until they restart. Example: jspawn base update default-ns-1 -- apt-get -y full-upgrade"})
    static final class Update implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command to run in the new version (after --).")
        List<String> cmd;

        @Override
        public Integer call() throws IOException {
            base.update(name, cmd, spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "upgrade", description = {"The how-to's update cycle in one command: update the base (as base update),"
            + " prune every child of it (as prune), and start again each child that was running, on the new version.",
            "Example: jspawn base upgrade default-ns-1 -- apt-get -y full-upgrade"})
    static final class Upgrade implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
        List<String> cmd;

        @Option(names = "--prefer-base", description = "Move files the children changed to their backup dirs (see prune --prefer-base).")
        boolean preferBase;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<ContainerConfig> children = base.children(name);
            try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
                return upgrade(out, children);
            }
        }

        /** The states of a child's service in which the upgrade starts it again after stopping it for its prune. */
        private static final Set<String> RUNNING = Set.of("active", "activating", "reloading");

        private int upgrade(PrintWriter out, List<ContainerConfig> children) throws IOException {
            // Which children to start again is decided by each prune as it stops the child, under the base's lock and
            // the child's: a child started at any time before its prune (while this command waited for the base's
            // lock, or during the update) is started again, and one stopped in the meantime is not.
            Set<String> running = new TreeSet<>();
            base.update(name, cmd, out);
            Map<String, String> summary = new LinkedHashMap<>();
            boolean failed = false;
            for (ContainerConfig c : children) {
                Path backup = PruneCommand.backupDir(c);
                String line;
                try {
                    if (!Files.isDirectory(Path.of(c.upperDir()), LinkOption.NOFOLLOW_LINKS)) {
                        summary.put(c.name(), "skipped: never started (no upper dir, nothing to prune)");
                        continue;
                    }
                    Prune.Summary s;
                    try (var lock = Locking.child(base.parent, c)) {
                        s = Offline.stopThenRun(base.context(), c, out, state -> {
                                    if (RUNNING.contains(state)) running.add(c.name());
                                },
                                () -> PruneCommand.forChild(c, false, preferBase, a -> {
                                    if (a.kind() == Prune.Kind.KEEP_CHANGED || a.kind() == Prune.Kind.BACKUP) out.println(c.name() + ": " + a);
                                }).run());
                    }
                    line = "removed " + s.removed() + " identical files, kept " + s.kept() + " changed"
                            + (preferBase ? ", moved " + s.backedUp() + " to " + backup : "");
                } catch (Exception e) {
                    // One child's failure must not keep the others stopped: report it and go on.
                    line = "prune FAILED: " + e.getMessage();
                    failed = true;
                }
                if (running.contains(c.name())) {
                    boolean ok = base.context().systemctl().run("start", Converter.serviceName(c.name())) == 0;
                    line += ok ? "; started again" : "; FAILED to start again (see systemctl status " + Converter.serviceName(c.name()) + ")";
                    failed |= !ok;
                }
                summary.put(c.name(), line);
            }
            out.println();
            out.println("Upgrade of " + name + ":" + (summary.isEmpty() ? " no children." : ""));
            summary.forEach((child, line) -> out.println("  " + child + ": " + line));
            out.flush();
            return failed ? Jspawn.FAILURE : 0;
        }
    }

    @Command(name = "versions", description = "A base's versions, which one is current, and which mounted children use which.")
    static final class Versions implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @picocli.CommandLine.Mixin
        Output output = new Output();

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            validName(name);
            List<BaseStore.Version> versions = base.store().versions(name);
            Optional<BaseStore.Missing> missing = base.store().missing(name);
            if (versions.isEmpty()) {
                if (missing.isPresent()) throw new UserError(missing.get().reason());
                if (base.store().current(name).isEmpty()) throw new UserError("no base " + name + " in " + base.imageRoot);
                if (output.json) Output.write(out, List.of());
                else out.println(name + " is a plain directory with no versions yet; jspawn base update makes the first.");
                out.flush();
                return 0;
            }
            Map<Integer, List<String>> usage = base.usage(name);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (BaseStore.Version v : versions) {
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("version", v.label());
                row.put("current", v.current());
                row.put("size_bytes", Sizes.of(v.dir()));
                row.put("used_by", usage.getOrDefault(v.number(), List.of()));
                rows.add(row);
            }
            output.rows(out, List.of(Output.Column.of("VERSION", "version"), new Output.Column("CURRENT", r -> Boolean.TRUE.equals(r.get("current")) ? "yes" : ""),
                    new Output.Column("SIZE", r -> Sizes.human((Long) r.get("size_bytes"))),
                    Output.Column.of("USED-BY", "used_by")), rows, null);
            warn(spec, missing.map(BaseStore.Missing::reason).stream().toList());
            return 0;
        }
    }

    @Command(name = "rollback", description = {"Make the version before the current one current again; children use it when they restart.",
            "If the current version is missing (deleted by hand), the newest one below it becomes current."})
    static final class Rollback implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            validName(name);
            BaseStore.Version v;
            Optional<BaseStore.Missing> missing;
            if (!base.store().exists(name)) throw new UserError("no base " + name + " in " + base.imageRoot);
            try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
                missing = base.store().missing(name);
                v = base.store().rollback(name);
            } catch (dev.jspawn.images.Locks.Busy | java.nio.file.FileSystemException e) {
                throw e;
            } catch (IOException e) {
                throw new UserError(e.getMessage());
            }
            spec.commandLine().getOut().println(missing.isPresent()
                    ? name + "'s " + missing.get().what() + " was missing; " + v.label() + " is current now; children use it when they restart."
                    : name + ": " + v.label() + " is current again; children use it when they restart.");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "gc", description = "Remove the versions of bases that are not current, not the last one, and that no child names"
            + " and no mounted overlay uses; nothing of a base whose current version is missing.")
    static final class Gc implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", arity = "0..*", description = "The bases (default: all).")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String> todo = new ArrayList<>(names);
            Path store = base.imageRoot.resolve(BaseStore.STORE);
            boolean all = todo.isEmpty();
            if (all && Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
                try (var s = Files.list(store)) {
                    s.map(p -> p.getFileName().toString()).sorted().forEach(todo::add);
                }
            }
            boolean failed = false;
            for (String name : todo) {
                // One base that fails costs only itself: the others are still collected, and the exit status says it.
                try {
                    validName(name);
                    if (all && base.store().isLeftover(name)) {
                        out.println("skipped " + name + ": " + base.store().store(name) + " holds no version and there is no " + base.store().link(name)
                                + "; delete it with 'jspawn base remove " + name + "'");
                        continue;
                    }
                    if (!base.store().exists(name)) throw new UserError("no base " + name + " in " + base.imageRoot);
                    try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
                        collect(out, name);
                    }
                } catch (UserError | IOException e) {
                    out.flush();
                    err.println("jspawn: " + Jspawn.message(e));
                    err.flush();
                    failed = true;
                }
            }
            out.flush();
            return failed ? Jspawn.FAILURE : 0;
        }

        private void collect(PrintWriter out, String name) throws IOException {
            BaseStore store = base.store();
            Map<Integer, List<String>> usage = base.usage(name);
            for (BaseStore.Verdict d : store.collect(name, usage)) {
                BaseStore.Version v = d.version();
                if (v.current()) continue;
                if (d.kept().isPresent()) {
                    out.println("kept " + name + " " + v.label() + ": " + d.kept().get());
                    continue;
                }
                String size = Sizes.human(Sizes.of(v.dir()));
                if (store.remove(name, v, usage.keySet())) out.println("removed " + name + " " + v.label() + " (" + size + ")");
            }
        }
    }

    @Command(name = "remove", description = {"Remove a base: every version, its store directory and IMAGE_ROOT/NAME (or the plain directory).",
            "Refused while a configured child uses it, another base is layered on it (NAME2.base with Base=NAME), or it is mounted."})
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        BaseCommand base;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            validName(name);
            BaseStore store = base.store();
            try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
                boolean unfinished = Files.exists(store.removing(name), LinkOption.NOFOLLOW_LINKS);
                if (!store.exists(name) && !store.isLeftover(name) && !unfinished) throw new UserError("no base " + name + " in " + base.imageRoot);
                refuseIfUsed(store);
                List<BaseStore.Version> versions = store.versions(name);
                String what = versions.isEmpty() && store.current(name).isPresent() ? "a plain directory"
                        : versions.isEmpty() ? "no version" : String.join(", ", versions.stream().map(BaseStore.Version::label).toList());
                long size = Math.max(Sizes.of(store.link(name)), 0) + Math.max(Sizes.of(store.store(name)), 0);
                store.delete(name);
                spec.commandLine().getOut().println("Removed base " + name + " (" + what + ", " + Sizes.human(size) + ").");
                spec.commandLine().getOut().flush();
            }
            return 0;
        }

        /** Nothing may use the base: children of it, bases on it, and mounts of it or inside it. */
        private void refuseIfUsed(BaseStore store) throws IOException {
            List<String> children = base.children(name).stream().map(ContainerConfig::name).toList();
            if (!children.isEmpty()) {
                throw new UserError("base " + name + " is used by " + String.join(", ", children)
                        + "; remove them first (jspawn remove CHILD), or give them another Base=");
            }
            Bases bases = Bases.load(base.context().searchPath());
            String dir = store.link(name).toString();
            List<String> layered = bases.names().stream()
                    .filter(b -> bases.parentOf(b).filter(p -> p.equals(name) || Path.of(p).normalize().toString().equals(dir)).isPresent()).toList();
            if (!layered.isEmpty()) {
                throw new UserError("base " + name + " has " + String.join(", ", layered) + " layered on it (Base=" + name + " in "
                        + String.join(", ", layered.stream().map(b -> b + Bases.SUFFIX).toList()) + "); remove or change those first");
            }
            List<String> users = new ArrayList<>();
            base.usage(name, false).forEach((v, who) -> users.add("v" + v + " by " + String.join(", ", who)));
            Path link = store.link(name), versions = store.store(name);
            for (Mounts.Overlay o : Mounts.overlays(base.context().proc())) {
                if (o.lowers().stream().map(l -> Path.of(l).normalize()).anyMatch(p -> p.equals(link) || p.startsWith(versions))) {
                    users.add("the overlay at " + o.mountPoint());
                }
            }
            List<Path> trees = new ArrayList<>(); // deleting them must never go through a mount
            if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) trees.add(link.toRealPath());
            if (Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) trees.add(versions.toRealPath());
            for (String point : Mounts.points(base.context().proc())) {
                if (trees.stream().anyMatch(t -> Path.of(point).startsWith(t))) users.add("the mount at " + point);
            }
            if (!users.isEmpty()) {
                throw new UserError("base " + name + " is in use: " + String.join("; ", users) + "; stop, change or unmount those first");
            }
        }
    }

    /** Warnings after a listing, on standard error so that --json output stays JSON. */
    static void warn(CommandSpec spec, List<String> warnings) {
        PrintWriter err = spec.commandLine().getErr();
        for (String w : warnings) err.println("jspawn: warning: " + w);
        err.flush();
    }

    /** Deleting a prepared version that will not be committed. */
    static final class BaseStoreCleanup {
        private BaseStoreCleanup() {
        }

        static void discard(Path partial) throws IOException {
            if (Files.exists(partial, LinkOption.NOFOLLOW_LINKS)) RemoveCommand.deleteTree(partial);
        }
    }
}
