package dev.jspawn.cli;

import java.util.concurrent.Callable;

import dev.jspawn.machined.HostBus;
import dev.jspawn.machined.Registrar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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

    @Override
    public Integer call() {
        boolean removed;
        try (HostBus bus = parent.context.bus().get()) {
            removed = new Registrar(bus).unregister(machine);
        }
        spec.commandLine().getOut().println(removed ? "Unregistered machine " + machine + "." : "Machine " + machine + " was not registered.");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
