package dev.jspawn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jspawn.images.UpperShift;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The convert-userns engine on explicit paths, without any check: for tests. */
@Command(name = "shift-dirs", hidden = true, description = "Shift UPPER into the range START, journaling to JOURNAL. No safety checks.")
final class ShiftDirsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "UPPER")
    Path upper;

    @Parameters(index = "1", paramLabel = "START")
    long start;

    @Parameters(index = "2", paramLabel = "JOURNAL")
    Path journal;

    @Override
    public Integer call() throws IOException {
        UpperShift.Summary s = new UpperShift(upper, start, journal).run();
        spec.commandLine().getOut().println("shifted=" + s.shifted() + " skipped=" + s.skipped());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
