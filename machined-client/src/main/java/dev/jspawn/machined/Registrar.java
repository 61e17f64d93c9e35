package dev.jspawn.machined;

import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * Registers a container with machined the way its unit needs it: after {@code machinectl reboot}
 * the unit restarts while machined may still hold the old registration ("Machine … already
 * exists"), so a stale entry of the same name is cleared first. An entry is stale when its leader
 * is gone or it belongs to the very unit that is registering; a live machine of another unit is
 * never touched, and registering fails with a message that names that unit.
 */
public final class Registrar {

    /**
     * Whether systemd-nspawn registers the guest itself ({@code --register=yes}) rather than jspawn's helper.
     * From systemd 258 on, machined makes the process that calls RegisterMachine* the machine's supervisor
     * when it is not the leader (src/machine/machined-dbus.c, "machined: also track 'supervisor' process of a
     * machine"), and for a machine in a subgroup of its unit (nspawn's payload cgroup) machine_stop() sends
     * SIGTERM to that supervisor instead of stopping the unit: machinectl terminate, and machined's own
     * clean-up when a guest exits. Registered by the helper, that killed the helper and left the container
     * running. No D-Bus method names another supervisor (RegisterMachineEx takes no such property, and the
     * Varlink Register ignores one since 258.10), so there the unit's main process, nspawn, registers, and is
     * the supervisor, as in systemd's own systemd-nspawn@.service. Before 258 the helper registers, which
     * keeps the guest's registration as it was (service jspawn, a stale entry of the same unit cleared).
     */
    public static boolean nspawnRegisters(int systemdVersion) {
        return systemdVersion >= 258;
    }

    private final HostBus bus;
    private final LongPredicate alive;

    public Registrar(HostBus bus) {
        this(bus, pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    Registrar(HostBus bus, LongPredicate alive) {
        this.bus = bus;
        this.alive = alive;
    }

    /**
     * Registers {@code r}, unless this very unit has registered this very leader already: a unit's start asks twice, once
     * as systemd-nspawn starts and once when the guest's init runs, and whichever comes second finds it done.
     *
     * @param mainPid the unit's main process (systemd-nspawn), which identifies the registering unit
     * @return whether it registered now (false: it was registered so already)
     */
    public boolean register(HostBus.Registration r, long mainPid) {
        Optional<HostBus.MachineInfo> existing = bus.machine(r.machine());
        if (existing.isPresent()) {
            HostBus.MachineInfo old = existing.get();
            Optional<String> ourUnit = bus.unitOfProcess(mainPid);
            boolean sameUnit = ourUnit.isPresent() && ourUnit.get().equals(old.unit());
            if (sameUnit && old.leader() == r.leader() && alive.test(old.leader())) return false;
            if (alive.test(old.leader()) && !sameUnit) {
                throw new HostBus.Failure("Failed to register machine " + r.machine() + ": the name is in use by a running machine of "
                        + old.unit() + " (leader " + old.leader() + "); set a different MachineName=", null);
            }
            bus.unregisterMachine(r.machine());
        }
        bus.registerMachine(r);
        return true;
    }

    /** What unregistering did. */
    public enum Unregistered { REMOVED, NONE, OTHER_UNIT }

    /**
     * Removes the registration only if {@code unit} made it (or its leader is gone): a unit that failed
     * to start because another unit's running machine has its name must not unregister that machine.
     */
    public Unregistered unregister(String machine, String unit) {
        Optional<HostBus.MachineInfo> existing = bus.machine(machine);
        if (existing.isEmpty()) return Unregistered.NONE;
        if (!existing.get().unit().equals(unit) && alive.test(existing.get().leader())) return Unregistered.OTHER_UNIT;
        return bus.unregisterMachine(machine) ? Unregistered.REMOVED : Unregistered.NONE;
    }
}
