package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ContainerConfig.PrivateUsers;
import dev.jspawn.images.Locks;
import dev.jspawn.images.Node;
import dev.jspawn.images.UpperShift;
import dev.jspawn.runtime.RangeChoice;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "convert-userns",
        description = {"Give a child made before jspawn used user namespaces (its upper dir owned by root, its guest root host root)"
                + " a UID range of its own: its upper dir is shifted into the range; the base is not touched.",
                "Safe to interrupt: running it again finishes the job. The child must be stopped (or pass --stop); it starts in its namespace next time."})
final class ConvertUsernsCommand implements Callable<Integer> {

    @Mixin
    OneChild args;

    @Mixin
    StopOption stopOption;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        ContainerConfig c = Containers.load(args.context().searchPath(), Containers.find(args.context().searchPath(), args.name));
        if (c.privateUsers().mode() == PrivateUsers.Mode.NO) {
            throw new UserError(c.name() + " has PrivateUsers=no; remove that line from " + c.file() + " first");
        }
        Path upper = Path.of(c.upperDir());
        Optional<Node> root = Node.stat(upper);
        if (root.isEmpty()) throw new UserError(c.name() + " has no upper dir yet: it gets its range at its first start");
        if (root.get().rangeStart() > 0) {
            out.println(c.name() + " already has the UID range " + root.get().rangeStart() + ".");
            out.flush();
            return 0;
        }
        Path journal = Path.of(c.imageRoot(), ".jspawn", "convert-" + c.name());
        UpperShift.Summary s;
        try (var lock = CommandLocks.child(args.parent, c)) {
            s = convert(c, upper, journal, out);
        }
        out.println("Converted " + c.name() + ": its guest root is now host UID " + s.start() + " (range " + s.start() + "-"
                + (s.start() + 65535) + "); " + s.shifted() + " entries shifted, " + s.skipped() + " already were.");
        out.flush();
        return 0;
    }

    private UpperShift.Summary convert(ContainerConfig c, Path upper, Path journal, PrintWriter out) throws IOException {
        return Offline.run(args.context(), c, stopOption.stop, out, () -> {
            Files.createDirectories(journal.getParent());
            try (var lock = Locks.uidRanges(args.context().lockDir(), args.parent.lockPolicy())) {
                long start = UpperShift.pending(journal).orElseGet(() -> pick(c));
                return new UpperShift(upper, start, journal).run();
            }
        });
    }

    /** The child's declared range, or one picked as at a first start. */
    private long pick(ContainerConfig c) {
        try {
            RangeChoice.Decision d = RangeChoice.decide(c.name(), c.machineName(), c.privateUsers(), Optional.empty(),
                    RangeChoice.taken(args.context().searchPath(), c.upperDir()));
            return d.start();
        } catch (IOException e) {
            throw new UserError("Failed to pick a UID range: " + e.getMessage());
        }
    }
}
