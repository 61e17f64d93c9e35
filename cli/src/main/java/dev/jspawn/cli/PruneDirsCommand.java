package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.images.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The prune engine on explicit directories, without any check: for tests and benchmarks. */
@Command(name = "prune-dirs", hidden = true,
        description = "Prune UPPER against LOWER... (topmost first). No safety checks: nothing may have them mounted.")
final class PruneDirsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run")
    boolean dryRun;

    @Option(names = "--backup", paramLabel = "DIR", description = "Move changed files here (as --prefer-base does).")
    Path backup;

    @Option(names = "--verbose", description = "Print every action.")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "UPPER")
    Path upper;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "LOWER")
    List<Path> lowers;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Prune.Summary s = new Prune(upper, lowers, dryRun, backup, a -> {
            if (verbose || dryRun) out.println(a);
        }).run();
        out.println("removed=" + s.removed() + " removedDirs=" + s.removedDirs() + " kept=" + s.kept() + " backedUp=" + s.backedUp());
        out.flush();
        return 0;
    }
}
