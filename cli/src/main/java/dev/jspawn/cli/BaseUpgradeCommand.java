package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.images.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "upgrade", description = {"The how-to's update cycle in one command: update the base (as base update),"
        + " prune every child of it (as prune), and start again each child that was running, on the new version.",
        "Example: jspawn base upgrade default-ns-1 -- apt-get -y full-upgrade"})
final class BaseUpgradeCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
    List<String> cmd;

    @Option(names = "--prefer-base", description = "Move files the children changed to their backup dirs (see prune --prefer-base).")
    boolean preferBase;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        List<ContainerConfig> children = args.base.users().children(args.name);
        try (var lock = Locking.base(args.base.parent, args.base.imageRoot, args.name)) {
            return upgrade(out, children);
        }
    }

    /** The states of a child's service in which the upgrade starts it again after stopping it for its prune. */
    private static final Set<String> RUNNING = Set.of("active", "activating", "reloading");

    private int upgrade(PrintWriter out, List<ContainerConfig> children) throws IOException {
        BaseCommand base = args.base;
        String name = args.name;
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
