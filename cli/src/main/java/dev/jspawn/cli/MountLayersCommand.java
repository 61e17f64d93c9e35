package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.generator.HelperContract;
import dev.jspawn.runtime.OverlaySetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jspawn mount-layers}: by hand, what the helper does for jspawn-dirs@NAME.service ({@link OverlaySetup}). */
@Command(name = "mount-layers", hidden = true,
        description = {"Prepare a child's overlay (run by jspawn-dirs@NAME.service): create its upper and work dirs, decide its UID range"
                + " (the owner of the upper dir, or a newly picked one), and mount each base at its target, idmapped to that range."})
final class MountLayersCommand implements Callable<Integer> {

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

    @Option(names = "--env-file", description = "Where to write " + HelperContract.PRIVATE_USERS_VARIABLE + "= for the service.")
    Path envFile;

    @Option(names = "--layer", paramLabel = "BASE:TARGET", description = "A lower layer and where its view goes, topmost first.")
    List<String> layers = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        out.println(OverlaySetup.prepare(parent.context.host(), OverlaySetup.containerOf(upper), privateUsers, machine, upper, work, envFile,
                layers, out));
        out.flush();
        return 0;
    }
}
