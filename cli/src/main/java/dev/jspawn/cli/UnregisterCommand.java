package dev.jspawn.cli;

import java.util.concurrent.Callable;

import dev.jspawn.runtime.MachineRegistration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jspawn unregister}: by hand, what the helper does for jspawn@NAME.service's ExecStopPost= ({@link MachineRegistration}). */
@Command(name = "unregister",
        description = {"Remove a container's registration from systemd-machined.",
                "Run by jspawn@NAME.service as ExecStopPost=; a machine that is already gone is not an error."})
final class UnregisterCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "MACHINE", description = "The machine name.")
    String machine;

    @Option(names = "--unit", required = true, paramLabel = "UNIT",
            description = "The unit whose registration this is: a machine of the same name registered by another, running unit is left alone.")
    String unit;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(MachineRegistration.unregister(parent.context.host(), machine, unit));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
