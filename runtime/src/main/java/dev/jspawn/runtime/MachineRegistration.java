package dev.jspawn.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.machined.HostBus;
import dev.jspawn.machined.Registrar;

/**
 * Registers a running guest with systemd-machined once its init runs, and removes the registration when its unit stops.
 *
 * <p>What jspawn@NAME.service has the helper do ({@value dev.jspawn.generator.HelperContract#REGISTER} as ExecStartPost=,
 * {@value dev.jspawn.generator.HelperContract#UNREGISTER} as ExecStopPost=), and {@code jspawn register} and
 * {@code jspawn unregister} by hand. The rules (class container, service jspawn, a stale registration) are {@link Registrar}'s.
 */
public final class MachineRegistration {

    private MachineRegistration() {
    }

    /**
     * Registers the guest of the unit whose main PID (systemd-nspawn) is {@code mainPid}; returns the line to print. A start
     * asks twice: as nspawn starts (jspawn-nspawn, not waiting for the answer), when this waits for nspawn's child and
     * registers it before it execs the init, as nspawn itself does; and once the init runs (ExecStartPost=), when it is
     * found registered already, or registered then if the first call did not come through. One registration at a time.
     */
    public static String register(Host host, String machine, String directory, long mainPid, long timeoutMillis) throws InterruptedException {
        try (HostBus bus = host.bus().get()) {
            if (Registrar.nspawnRegisters(bus.systemdVersion())) return confirm(bus, machine, mainPid);
            var proc = host.proc();
            long leader = Guest.leader(proc, mainPid, timeoutMillis);
            // The second call of a start whose first this helper answered: two calls to machined to confirm, not seven.
            if (registeredHere(bus, machine, mainPid, leader)) return already(machine, leader);
            int[] ifindices = Guest.hostInterfaces(proc, leader, mainPid, timeoutMillis);
            HostBus.Registration r = new HostBus.Registration(machine, Guest.machineId(proc, leader, mainPid), directory, leader, ifindices);
            boolean now;
            synchronized (REGISTERING) {
                now = new Registrar(bus).register(r, mainPid);
                if (now) REGISTERED.put(machine, new long[] {mainPid, leader});
            }
            if (!now) return already(machine, leader);
            return "Registered machine " + machine + " (leader " + leader
                    + (ifindices.length > 0 ? ", interface index " + Arrays.toString(ifindices) : "") + ").";
        }
    }

    private static String already(String machine, long leader) {
        return "Machine " + machine + " registered already (leader " + leader + ").";
    }

    /** Held while a registration looks at machined and registers: the two calls of one start must not both register. */
    private static final Object REGISTERING = new Object();

    /** What this process registered, by machine: its unit's main PID and its leader (one entry a machine name; REGISTERING's). */
    private static final Map<String, long[]> REGISTERED = new HashMap<>();

    private static boolean registeredHere(HostBus bus, String machine, long mainPid, long leader) {
        synchronized (REGISTERING) {
            long[] r = REGISTERED.get(machine);
            return r != null && r[0] == mainPid && r[1] == leader && bus.hasProcess(machine, leader);
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

    /** Removes {@code unit}'s registration of {@code machine}; returns the line to print. */
    public static String unregister(Host host, String machine, String unit) {
        Registrar.Unregistered result;
        synchronized (REGISTERING) {
            REGISTERED.remove(machine);
        }
        try (HostBus bus = host.bus().get()) {
            result = new Registrar(bus).unregister(machine, unit);
        }
        return switch (result) {
            case REMOVED -> "Unregistered machine " + machine + ".";
            case NONE -> "Machine " + machine + " was not registered.";
            case OTHER_UNIT -> "Machine " + machine + " belongs to another unit, not " + unit + "; left registered.";
        };
    }
}
