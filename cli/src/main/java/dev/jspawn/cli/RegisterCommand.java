package dev.jspawn.cli;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.machined.HostBus;
import dev.jspawn.machined.Registrar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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
        spec.commandLine().getOut().println(register(parent.context, machine, directory, mainPid, timeoutMillis));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Registers the guest of the unit whose main PID (systemd-nspawn) is {@code mainPid}; used by this command and the helper. */
    static String register(Context context, String machine, String directory, long mainPid, long timeoutMillis) throws InterruptedException {
        try (HostBus bus = context.bus().get()) {
            if (Registrar.nspawnRegisters(bus.systemdVersion())) return confirm(bus, machine, mainPid);
            var proc = context.proc();
            long leader = Guest.leader(proc, mainPid, timeoutMillis);
            int[] ifindices = Guest.hostInterfaces(proc, leader);
            new Registrar(bus).register(new HostBus.Registration(machine, Guest.machineId(proc, leader), directory, leader, ifindices), mainPid);
            return "Registered machine " + machine + " (leader " + leader
                    + (ifindices.length > 0 ? ", interface index " + Arrays.toString(ifindices) : "") + ").";
        }
    }

    /** Where systemd-nspawn registered the guest itself (see Registrar.nspawnRegisters): that it did, as this unit's machine. */
    private static String confirm(HostBus bus, String machine, long mainPid) {
        Optional<HostBus.MachineInfo> m = bus.machine(machine);
        Optional<String> unit = bus.unitOfProcess(mainPid);
        if (m.isEmpty() || unit.isEmpty() || !m.get().unit().equals(unit.get())) {
            throw new HostBus.Failure("Machine " + machine + " is not registered as " + unit.orElse("the unit of process " + mainPid)
                    + "'s: systemd-nspawn (--register=yes) should have registered it" + m.map(i -> "; it is " + i.unit() + "'s").orElse(""), null);
        }
        return "Machine " + machine + " registered by systemd-nspawn (leader " + m.get().leader() + ").";
    }
}
