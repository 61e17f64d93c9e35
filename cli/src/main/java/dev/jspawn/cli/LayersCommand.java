package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.Values;
import dev.jspawn.generator.HelperContract;
import dev.jspawn.images.Beneath;
import dev.jspawn.images.LayerMounts;
import dev.jspawn.images.Locks;
import dev.jspawn.images.Node;
import dev.jspawn.images.Sizes;
import dev.jspawn.machined.HostBus;
import dev.jspawn.machined.Registrar;
import dev.jspawn.runtime.DiskSpace;
import dev.jspawn.runtime.Identity;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What jspawn-dirs@NAME.service runs before the child's overlay is mounted: the upper and work
 * dirs, the child's UID range, and its lower layers' (idmapped) views. (They are unmounted by its
 * ExecStop=, umount --lazy, when the overlay is gone.)
 */
final class LayersCommand {

    private LayersCommand() {
    }

    @Command(name = "mount-layers", hidden = true,
            description = {"Prepare a child's overlay (run by jspawn-dirs@NAME.service): create its upper and work dirs, decide its UID range"
                    + " (the owner of the upper dir, or a newly picked one), and mount each base at its target, idmapped to that range."})
    static final class Mount implements Callable<Integer> {
        @ParentCommand
        Jspawn parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--private-users", required = true, paramLabel = "pick|no|START")
        String privateUsers;

        @Option(names = "--machine", required = true)
        String machine;

        @Option(names = "--upper", required = true)
        Path upper;

        @Option(names = "--work", required = true)
        Path work;

        @Option(names = "--env-file", description = "Where to write JSPAWN_PRIVATE_USERS= for the service.")
        Path envFile;

        @Option(names = "--layer", paramLabel = "BASE:TARGET", description = "A lower layer and where its view goes, topmost first.")
        List<String> layers = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            out.println(prepare(parent.context, privateUsers, machine, upper, work, envFile, layers, out));
            out.flush();
            return 0;
        }
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
     * Prepares one child's overlay: what {@code jspawn mount-layers} does, and what the helper does
     * for jspawn-dirs@NAME.service. Returns the line that says which range the child runs in.
     */
    static String prepare(Context context, String privateUsers, String machine, Path upper, Path work, Path envFile, List<String> layers,
            PrintWriter out) throws IOException {
        ContainerConfig.PrivateUsers mode;
        try {
            mode = Values.privateUsers(privateUsers);
        } catch (Values.Invalid e) {
            throw new UserError("--private-users: " + e.getMessage());
        }
        List<Path> bases = new ArrayList<>(), targets = new ArrayList<>();
        for (String l : layers) {
            int colon = l.indexOf(':');
            if (colon < 0) throw new UserError("--layer takes BASE:TARGET, not " + l);
            Path base = Path.of(l.substring(0, colon));
            Optional<String> missing = ImageDirs.missingBase(base);
            if (missing.isPresent()) throw new UserError(missing.get());
            if (colon == l.length() - 1) continue; // no view (PrivateUsers=no): the overlay names the base itself
            bases.add(base);
            targets.add(Path.of(l.substring(colon + 1)));
        }
        String name = upper.getFileName().toString().replaceFirst("_up$", "");
        Path imageRoot = upper.getParent();
        checkSpace(context, name, upper);

        Ranges.Decision d;
        synchronized (RANGES) {
            ImageDirs.secureRoot(imageRoot, out);
            try (var lock = Locks.uidRanges(context.lockDir(), Locks.Policy.quietlyBlocking())) {
                Optional<Node> existing = Node.stat(upper);
                d = Ranges.decide(name, machine, mode, existing,
                        existing.isEmpty() ? Ranges.taken(context.searchPath(), upper.toString()) : List.of());
                if (d.create()) ImageDirs.createUpper(upper, d.start());
            }
        }
        Beneath.privateDir(work);
        for (Path t : targets) {
            while (LayerMounts.unmount(t)) { } // left mounted by a run that did not stop cleanly
        }
        LayerMounts.mount(bases, targets, d.start());
        String machineId = Identity.machineId(upper);
        Identity.baseMachineId(bases).ifPresent(id -> out.println(name + ": its base carries machine ID " + id + ", which the guest"
                + " takes over its own; blank it (jspawn base update BASE -- true) to give each child its own"));
        if (envFile != null) {
            boolean nspawnRegisters;
            try (HostBus bus = context.bus().get()) {
                nspawnRegisters = Registrar.nspawnRegisters(bus.systemdVersion());
            }
            Files.createDirectories(envFile.getParent());
            WholeFile.write(envFile, (HelperContract.PRIVATE_USERS_VARIABLE + "=" + d.nspawnArgument() + "\n"
                    + HelperContract.MACHINE_ID_VARIABLE + "=" + machineId + "\n"
                    + HelperContract.RESOLV_CONF_VARIABLE + "=" + ResolvConf.mode() + "\n"
                    + HelperContract.REGISTER_VARIABLE + "=" + (nspawnRegisters ? "yes" : "no") + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return name + ": " + d.note() + ", machine ID " + machineId;
    }

    /**
     * Refuses to start a child when the file system of its upper dir (or, before its first start, of the
     * nearest directory above it) has less than {@link #MIN_FREE_BYTES} free.
     */
    static void checkSpace(Context context, String name, Path upper) throws IOException {
        Path dir = upper;
        while (dir != null && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) dir = dir.getParent();
        if (dir == null) return;
        DiskSpace.Free free = context.disk().of(dir);
        if (free.usable() < MIN_FREE_BYTES) {
            throw new UserError(name + ": only " + Sizes.human(free.usable()) + " free on " + free.fileSystem() + ", which holds " + upper
                    + "; a start needs " + Sizes.human(MIN_FREE_BYTES) + " (a guest's first boot writes about 8M there):"
                    + " free some space on " + free.fileSystem() + " and start it again");
        }
    }
}
