package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigLoader;
import dev.jspawn.images.AutoUpgrade;
import dev.jspawn.images.LayerUnpack;
import dev.jspawn.images.Rollout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "auto-upgrade", description = {"Update the bases that say where they come from, and roll each new version out as base upgrade does"
        + " (child by child, a child that is not healthy on it put back, with the others, on the old version).",
        "A base says where it comes from with UpdateCommand= in its NAME.base (run in the base as base update runs a command; a run that"
        + " changes nothing makes no version), or by having been pulled (jspawn base pull): the image is looked up again, and pulled only"
        + " if it changed. jspawn-auto-upgrade.timer runs this daily once enabled.",
        "Example: systemctl enable --now jspawn-auto-upgrade.timer"},
        exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:every base is up to date, or its new version is rolled out",
                "1:a base could not be updated, or its rollout rolled back"})
final class AutoUpgradeCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "BASE", description = "The bases to update (default: every one that says where it comes from).")
    List<String> names = new ArrayList<>();

    @Option(names = "--image-root", paramLabel = "DIR", defaultValue = ConfigLoader.DEFAULT_IMAGE_ROOT, description = "Where the bases are (default: ${DEFAULT-VALUE}).")
    Path imageRoot;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Move N children at a time (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--up-timeout", paramLabel = "SECONDS", defaultValue = "" + BaseUpgradeCommand.DEFAULT_UP_TIMEOUT,
            description = "How long a child without HealthCmd= may take to be running or degraded (default: ${DEFAULT-VALUE}).")
    int upTimeout;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) throw new dev.jspawn.runtime.UserError("--batch takes a number of children, 1 or more, not " + batch);
        if (upTimeout < 1) throw new dev.jspawn.runtime.UserError("--up-timeout takes seconds, 1 or more, not " + upTimeout);
        PrintWriter out = spec.commandLine().getOut();
        BaseCommand base = new BaseCommand();
        base.parent = parent;
        base.imageRoot = imageRoot;
        Rollout rollout = new Rollout(imageRoot, base.users(), base.updater(out), new RolloutChildren(base, out, upTimeout), out);
        AutoUpgrade auto = new AutoUpgrade(imageRoot, parent.context.searchPath(), base.updater(out),
                (name, origin) -> base.puller(out, LayerUnpack.Limits.DEFAULT).run(name, origin.source(), origin.options(), false),
                rollout, base.tools(out, spec.commandLine().getErr()), out);
        List<AutoUpgrade.Outcome> outcomes = auto.run(names, new Rollout.Options(List.of(), batch));
        boolean failed = false;
        out.println();
        out.println(outcomes.isEmpty() ? "No base says where it comes from: nothing to update (see jspawn auto-upgrade --help)." : "Auto-upgrade:");
        for (AutoUpgrade.Outcome o : outcomes) {
            failed |= o.failed();
            if (o.rollout().isEmpty()) {
                out.println("  " + o.base() + ": " + o.note());
                continue;
            }
            Rollout.Result r = o.rollout().get();
            out.println("  " + o.base() + ": the rollout " + r.outcome());
            r.summary().forEach((child, line) -> out.println("    " + child + ": " + line));
        }
        out.flush();
        return failed ? Jspawn.FAILURE : 0;
    }
}
