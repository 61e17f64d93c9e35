package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.images.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "prune",
        description = {"Remove from a child's upper dir every file identical to its base (content, type, owner, mode, xattrs),"
                + " so that an updated base shows through. Nothing is lost: files the child changed are kept and listed,"
                + " or with --prefer-base moved to NAME_backup beside the upper dir (see jspawn restore).",
                "The child must be stopped (or pass --stop); its automount is held down meanwhile."})
final class PruneCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The container name or its machine name.")
    String name;

    @Option(names = "--dry-run", description = "List every action, change nothing (works on a running child too).")
    boolean dryRun;

    @Option(names = "--prefer-base", description = "Move files the child changed to the backup dir, so the base's version shows.")
    boolean preferBase;

    @Option(names = "--stop", description = "Stop the child (unit and mount) first if it is running; it stays stopped.")
    boolean stop;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ContainerConfig c = Containers.load(parent.context.searchPath(), Containers.find(parent.context.searchPath(), name));
        Path backup = backupDir(c);
        Prune prune = Prune.forChild(c, dryRun, preferBase, a -> {
            if (dryRun || a.kind() == Prune.Kind.KEEP_CHANGED || a.kind() == Prune.Kind.BACKUP) out.println(a);
        });
        Prune.Summary s;
        if (dryRun) {
            s = prune.run();
        } else {
            try (var lock = Locking.child(parent, c)) {
                s = Offline.run(parent.context, c, stop, out, prune::run);
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
