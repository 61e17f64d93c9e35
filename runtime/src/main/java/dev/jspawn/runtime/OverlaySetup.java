package dev.jspawn.runtime;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.Values;
import dev.jspawn.generator.HelperContract;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.Beneath;
import dev.jspawn.images.ImageCommand;
import dev.jspawn.images.LayerMounts;
import dev.jspawn.images.Layers;
import dev.jspawn.images.Locks;
import dev.jspawn.images.Node;
import dev.jspawn.images.RolloutState;
import dev.jspawn.images.Sizes;
import dev.jspawn.machined.HostBus;
import dev.jspawn.machined.Registrar;

/**
 * Prepares a child's overlay before each mount: its upper and work dirs, its UID range, its layers' views.
 *
 * <p>What jspawn-dirs@NAME.service has the helper do ({@value HelperContract#MOUNT_LAYERS}), and
 * {@code jspawn mount-layers} by hand; the views are idmapped to the child's range, and last comes the
 * service's environment file. (jspawn@NAME.service's jspawn-mount detaches the views once the overlay
 * holds them.)
 */
public final class OverlaySetup {

    private OverlaySetup() {
    }

    /**
     * Range decisions in this process, one at a time. The uid-ranges lock below keeps out other threads as well as
     * other processes; this monitor also keeps ImageDirs.secureRoot, which runs before that lock, to one call at a time.
     */
    private static final Object RANGES = new Object();

    /**
     * The free space a start needs on the file system of the upper dir. A guest's first boot writes about
     * 8 MB into its upper dir (its machine ID, resolv.conf, journal, network state); on a full disk those
     * writes fail half-way, and the guest came up with an empty /etc/machine-id and resolv.conf and no IPv4
     * address, saying nothing. Twice that leaves room for the rest of the boot.
     */
    static final long MIN_FREE_BYTES = 16L << 20;

    /**
     * The container whose upper dir {@code upper} is: its file name without "_up" (IMAGE_ROOT/NAME_up, as
     * the configuration makes it). The units' call and {@code jspawn mount-layers} name the upper dir, not the container.
     */
    public static String containerOf(Path upper) {
        return dev.jspawn.config.ChildDirs.containerOfUpper(upper.getFileName().toString());
    }

    /**
     * Prepares the overlay of the child {@code name}: what {@code jspawn mount-layers} does, and what the helper
     * does for jspawn-dirs@NAME.service. Returns the line that says which range the child runs in.
     */
    public static String prepare(Host host, String name, String privateUsers, String machine, Path upper, Path work, Path envFile,
            List<String> layers, PrintWriter out) throws IOException {
        ContainerConfig.PrivateUsers mode;
        try {
            mode = Values.privateUsers(privateUsers);
        } catch (Values.Invalid e) {
            throw new UserError("--private-users: " + e.getMessage());
        }
        // What the last preparation wrote down for the next start to do again goes first: this one may decide otherwise.
        Path preparedFile = envFile == null ? null : envFile.resolveSibling(HelperContract.PREPARED_FILE);
        if (preparedFile != null) Files.deleteIfExists(preparedFile);
        // The host's resolv.conf as it is before it is read: a change from here on sends the next start to the helper.
        Prepared.Stats resolv = Prepared.Stats.content(List.of(ResolvConf.HOST, ResolvConf.UPLINK));
        List<BaseView> views = new ArrayList<>();
        for (String l : layers) {
            int colon = l.indexOf(':');
            if (colon < 0 || colon == l.length() - 1) throw new UserError("--layer takes BASE:TARGET, not " + l);
            Path link = Path.of(l.substring(0, colon));
            // A rollout of the base that has moved this child to its new version, not yet current: that version.
            Path base = RolloutState.pinnedVersion(link, name).orElse(link);
            if (!base.equals(link) && !Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserError(name + ": a rollout of " + link.getFileName() + " has it on " + base.getFileName() + ", which is missing;"
                        + " finish or roll back the rollout with jspawn base upgrade " + link.getFileName());
            }
            Optional<String> missing = ImageDirs.missingBase(base);
            if (missing.isPresent()) throw new UserError(missing.get());
            // The base's current version, now: a tree, or a stack of layers (each then gets a view of its own).
            views.add(new BaseView(link, base, Layers.of(base), Path.of(l.substring(colon + 1))));
        }
        Path imageRoot = upper.getParent();
        checkSpace(host, name, upper);

        RangeChoice.Decision d;
        synchronized (RANGES) {
            ImageDirs.secureRoot(imageRoot, out);
            try (var lock = Locks.uidRanges(host.lockDir(), Locks.Policy.quietlyBlocking())) {
                Optional<Node> existing = Node.stat(upper);
                d = RangeChoice.decide(name, machine, mode, existing,
                        existing.isEmpty() ? RangeChoice.taken(host.searchPath(), upper.toString()) : List.of());
                if (d.create()) ImageDirs.createUpper(upper, d.start());
            }
        }
        Beneath.privateDir(work);
        for (BaseView v : views) {
            while (LayerMounts.unmount(v.target())) { } // left mounted by a run that did not stop cleanly
            for (int j = 0; j < v.layers().size(); j++) {
                while (LayerMounts.unmount(stackDir(v.target(), j))) { }
            }
        }
        // The mount points as they are before the views go there: a view left mounted on one shows as a change.
        List<Path> targets = views.stream().map(BaseView::target).toList();
        for (Path t : targets) Files.createDirectories(t);
        Prepared.Stats mountPoints = Prepared.Stats.identity(targets);
        mountViews(views, d.start());
        if (envFile != null) {
            // Which version of each base this mount shows: what jspawn base versions and gc read while it is mounted,
            // since versions that share layers cannot be told apart by what the child sees.
            StringBuilder record = new StringBuilder();
            for (BaseView v : views) record.append(v.named().toRealPath()).append('\n');
            Files.createDirectories(envFile.getParent());
            WholeFile.write(envFile.resolveSibling(HelperContract.VERSIONS_FILE), record.toString().getBytes(StandardCharsets.UTF_8));
            // The image's command, for a child with Boot=no and no Parameters= (jspawn-mount puts it to use): the topmost base's.
            Path top = Path.of(layers.get(0).substring(0, layers.get(0).indexOf(':')));
            // A child held on a version (BaseVersion=) names ROOT/.jspawn/bases/NAME/vN: the base is NAME.
            boolean version = top.getParent() != null && top.getParent().getParent() != null && top.getParent().getParent().endsWith(BaseStore.STORE);
            ImageCommand.write(envFile.getParent(), (version ? top.getParent() : top).getFileName().toString(), views.get(0).named().toRealPath());
        }
        String machineId = MachineId.of(upper);
        List<String> notes = new ArrayList<>();
        MachineId.ofBase(views.stream().flatMap(v -> v.layers().stream()).toList()).ifPresent(id -> notes.add(name + ": its base carries machine ID " + id
                + ", which the guest takes over its own; blank it (jspawn base update BASE -- true) to give each child its own"));
        notes.forEach(out::println);
        if (envFile != null) {
            boolean nspawnRegisters;
            try (HostBus bus = host.bus().get()) {
                nspawnRegisters = Registrar.nspawnRegisters(bus.systemdVersion());
            }
            Files.createDirectories(envFile.getParent());
            WholeFile.write(envFile, (HelperContract.PRIVATE_USERS_VARIABLE + "=" + d.nspawnArgument() + "\n"
                    + HelperContract.MACHINE_ID_VARIABLE + "=" + machineId + "\n"
                    + HelperContract.RESOLV_CONF_VARIABLE + "=" + ResolvConf.mode() + "\n"
                    + HelperContract.REGISTER_VARIABLE + "=" + (nspawnRegisters ? "yes" : "no") + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        String result = name + ": " + d.note() + ", machine ID " + machineId;
        if (preparedFile != null) {
            try {
                // What the next start says of its range: a range picked now is the upper dir's own from then on.
                notes.add(d.create() ? name + ": " + RangeChoice.decide(name, machine, mode, Node.stat(upper), List.of()).note() + ", machine ID "
                        + machineId : result);
                List<String> args = new ArrayList<>(List.of(privateUsers, machine, upper.toString(), work.toString(), envFile.toString(),
                        Integer.toString(layers.size())));
                args.addAll(layers);
                writePrepared(preparedFile, args, name, upper, work, envFile, views, mountPoints, d.start(), resolv, notes);
            } catch (IOException | UserError e) {
                // Only time is lost: the next start asks the helper again.
                out.println(name + ": not written down for the next start: " + e.getMessage());
            }
        }
        return result;
    }

    /**
     * Writes down this preparation for jspawn-prepare to do again at the next start (see {@link Prepared}), where it can:
     * no base the child is pinned away from.
     */
    private static void writePrepared(Path file, List<String> args, String name, Path upper, Path work, Path envFile, List<BaseView> mounted,
            Prepared.Stats mountPoints, long start, Prepared.Stats resolv, List<String> notes) throws IOException {
        List<Prepared.View> views = new ArrayList<>();
        for (BaseView m : mounted) {
            Optional<Path> pin = RolloutState.pinFile(m.link(), name);
            if (!m.named().equals(m.link()) || pin.isEmpty()) return;
            Optional<Node> root = Node.stat(m.target());
            if (root.isEmpty()) return;
            List<Path> layers = new ArrayList<>();
            for (Path l : m.layers()) layers.add(l.toRealPath());
            // A stack: each layer's clone went where mountViews put it, under the overlay of them.
            List<Path> clones = m.clones();
            views.add(new Prepared.View(m.link().toRealPath(), pin.get(), layers, clones,
                    clones.isEmpty() ? "" : LayerMounts.readOnlyOverlayOptions(clones), root.get().uid() + " " + root.get().gid()));
        }
        Path run = file.getParent();
        // Each version directory too, by its own entry: a path that a base update turned into a link to another version (a
        // plain directory base is moved into the store at its first update) is no longer that directory.
        List<Path> files = new ArrayList<>(List.of(upper.getParent(), upper, work, envFile, run.resolve(HelperContract.VERSIONS_FILE),
                run.resolve(ImageCommand.FILE), run.resolve(ImageCommand.ERROR)));
        // A stack's layers, and where their clones go: nothing may be mounted there.
        for (Prepared.View v : views) {
            files.add(v.version());
            for (Path l : v.layers()) if (!l.equals(v.version())) files.add(l);
            files.addAll(v.clones());
        }
        Prepared.Stats identity = Prepared.Stats.identity(files).plus(mountPoints);
        Optional<String> text = Prepared.text(args, identity, resolv, MIN_FREE_BYTES, start, views, String.join("\n", notes));
        if (text.isPresent()) WholeFile.write(file, text.get().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Mounts at each target the view of one base: for a tree, its idmapped clone; for a stack, the idmapped
     * clone of each of its layers (at {@link #stackDir}), then one read-only overlay of them at the target, after
     * which the clones are detached (the overlay holds them). On failure, what was mounted goes again.
     */
    static void mountViews(List<BaseView> views, long start) throws IOException {
        int done = 0;
        try {
            for (BaseView v : views) {
                List<Path> clones = v.clones();
                if (clones.isEmpty()) {
                    LayerMounts.mount(v.layers(), List.of(v.target()), start);
                } else {
                    LayerMounts.mount(v.layers(), clones, start);
                    try {
                        LayerMounts.mountReadOnlyOverlay(clones, v.target());
                    } finally {
                        for (Path c : clones) LayerMounts.unmount(c);
                    }
                }
                done++;
            }
        } catch (IOException | RuntimeException e) {
            for (int i = done - 1; i >= 0; i--) LayerMounts.unmount(views.get(i).target());
            throw e;
        }
    }

    /**
     * One base of the child: its link as the unit names it, the directory mounted (the link, or the version a rollout
     * pins the child on), that version's layers (its tree, or its stack, topmost first) and where its view goes.
     */
    record BaseView(Path link, Path named, List<Path> layers, Path target) {
        /** Where each layer of a stack is cloned (RUN/NAME/stack/I/J for the view at RUN/NAME/lower/I); none for a tree. */
        List<Path> clones() {
            if (layers.size() == 1) return List.of();
            List<Path> out = new ArrayList<>();
            for (int j = 0; j < layers.size(); j++) out.add(stackDir(target, j));
            return out;
        }
    }

    /** Where layer {@code j} of the stack whose view is at RUN/NAME/lower/I is cloned: RUN/NAME/stack/I/J. */
    static Path stackDir(Path target, int j) {
        return target.getParent().resolveSibling("stack").resolve(target.getFileName()).resolve(Integer.toString(j));
    }

    /**
     * Refuses to start a child when the file system of its upper dir (or, before its first start, of the
     * nearest directory above it) has less than {@link #MIN_FREE_BYTES} free.
     */
    static void checkSpace(Host host, String name, Path upper) throws IOException {
        Path dir = upper;
        while (dir != null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) dir = dir.getParent();
        if (dir == null) return;
        DiskSpace.Free free = host.disk().of(dir);
        if (free.usable() < MIN_FREE_BYTES) {
            throw new UserError(name + ": only " + Sizes.human(free.usable()) + " free on " + free.fileSystem() + ", which holds " + upper
                    + "; a start needs " + Sizes.human(MIN_FREE_BYTES) + " (a guest's first boot writes about 8M there):"
                    + " free some space on " + free.fileSystem() + " and start it again");
        }
    }
}
