package dev.jspawn.cli;

import java.util.concurrent.Callable;

import dev.jspawn.runtime.MachineRegistration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jspawn register}: by hand, what the helper does for jspawn@NAME.service's ExecStartPost= ({@link MachineRegistration}). */
@Command(name = "register",
        description = {"Register a running container with systemd-machined (class container, service jspawn).",
                "Run by jspawn@NAME.service as ExecStartPost= with the main PID (systemd-nspawn); the guest's init, its machine ID and its host-side network interface are found from it."})
final class RegisterCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--directory", required = true, paramLabel = "DIR", description = "The container's root directory (its overlay mount).")
    String directory;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000", description = "How long to wait for the guest's init to appear (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Parameters(index = "0", paramLabel = "MACHINE", description = "The machine name.")
    String machine;

    @Parameters(index = "1", paramLabel = "MAINPID", description = "The unit's main PID: systemd-nspawn.")
    long mainPid;

    @Override
    public Integer call() throws InterruptedException {
        spec.commandLine().getOut().println(MachineRegistration.register(parent.context.host(), machine, directory, mainPid, timeoutMillis));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
