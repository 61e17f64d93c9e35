package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.images.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prune",
        description = {"Remove from a child's upper dir every file identical to its base (content, type, owner, mode, xattrs),"
                + " so that an updated base shows through. Nothing is lost: files the child changed are kept and listed,"
                + " or with --prefer-base moved to NAME_backup beside the upper dir (see jspawn restore).",
                "The child must be stopped (or pass --stop); its automount is held down meanwhile."})
final class PruneCommand implements Callable<Integer> {

    @Mixin
    OneChild args;

    @Option(names = "--dry-run", description = "List every action, change nothing (works on a running child too).")
    boolean dryRun;

    @Option(names = "--prefer-base", description = "Move files the child changed to the backup dir, so the base's version shows.")
    boolean preferBase;

    @Mixin
    StopOption stopOption;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        ContainerConfig c = Containers.load(args.context().searchPath(), Containers.find(args.context().searchPath(), args.name));
        Path backup = backupDir(c);
        Prune prune = Prune.forChild(c, dryRun, preferBase, a -> {
            if (dryRun || a.kind() == Prune.Kind.KEEP_CHANGED || a.kind() == Prune.Kind.BACKUP) out.println(a);
        });
        Prune.Summary s;
        if (dryRun) {
            s = prune.run();
        } else {
            try (var lock = CommandLocks.child(args.parent, c)) {
                s = Offline.run(args.context(), c, stopOption.stop, out, prune::run);
            }
        }
        out.println((dryRun ? "Would remove " : "Removed ") + s.removed() + " identical files and " + s.removedDirs()
                + " directories from " + c.upperDir() + "; " + s.kept() + " changed files kept"
                + (preferBase ? ", " + s.backedUp() + " moved to " + backup : "") + ".");
        out.flush();
        return 0;
    }

    static Path backupDir(ContainerConfig c) {
        return Path.of(c.backupDir());
    }
}
