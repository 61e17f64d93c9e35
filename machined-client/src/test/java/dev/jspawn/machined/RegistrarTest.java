package dev.jspawn.machined;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The stale-registration rules, with an in-memory machined. (The real machined is exercised by
 * the integration tests: machinectl reboot three times, each coming back registered.)
 */
class RegistrarTest {

    static final class FakeBus implements HostBus {
        final Map<String, MachineInfo> machines = new HashMap<>();
        final Map<Long, String> units = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public Optional<MachineInfo> machine(String name) {
            return Optional.ofNullable(machines.get(name));
        }

        @Override
        public void registerMachine(Registration r) {
            calls.add("register " + r.machine());
            if (machines.containsKey(r.machine())) throw new Failure("Machine '" + r.machine() + "' already exists", null);
            machines.put(r.machine(), new MachineInfo(r.machine(), "running", r.leader(), units.get(r.leader()), r.rootDirectory()));
        }

        @Override
        public boolean unregisterMachine(String name) {
            calls.add("unregister " + name);
            return machines.remove(name) != null;
        }

        @Override
        public Optional<String> unitOfProcess(long pid) {
            return Optional.ofNullable(units.get(pid));
        }

        @Override
        public UnitInfo unit(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int systemdVersion() {
            return 252;
        }

        @Override
        public void close() {
        }
    }

    private static HostBus.Registration reg(long leader) {
        return new HostBus.Registration("child-apache", new byte[0], "/var/lib/jspawn/child_apache", leader, new int[0]);
    }

    @Test
    void aStaleEntryFromTheSameUnitIsClearedFirst() {
        FakeBus bus = new FakeBus();
        bus.units.put(200L, "jspawn@child_apache.service");
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 101, "jspawn@child_apache.service", "/x"));
        assertTrue(new Registrar(bus, pid -> true).register(reg(201), 200));
        assertEquals(List.of("unregister child-apache", "register child-apache"), bus.calls);
        assertEquals(201, bus.machines.get("child-apache").leader());
    }

    @Test
    void theSameUnitsRegistrationOfTheSameLeaderIsKept() {
        FakeBus bus = new FakeBus();
        bus.units.put(200L, "jspawn@child_apache.service");
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 201, "jspawn@child_apache.service", "/x"));
        org.junit.jupiter.api.Assertions.assertFalse(new Registrar(bus, pid -> true).register(reg(201), 200));
        assertEquals(List.of(), bus.calls);
    }

    @Test
    void anotherUnitsMachineWithTheSameLeaderIsStillRefused() {
        FakeBus bus = new FakeBus();
        bus.units.put(200L, "jspawn@child_apache.service");
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 201, "other.service", "/x"));
        assertThrows(HostBus.Failure.class, () -> new Registrar(bus, pid -> true).register(reg(201), 200));
        assertEquals(List.of(), bus.calls);
    }

    @Test
    void anEntryWhoseLeaderIsGoneIsCleared() {
        FakeBus bus = new FakeBus();
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "closing", 101, "other.service", "/x"));
        new Registrar(bus, pid -> false).register(reg(201), 200);
        assertEquals(List.of("unregister child-apache", "register child-apache"), bus.calls);
    }

    @Test
    void aLiveMachineOfAnotherUnitIsNeverTouched() {
        FakeBus bus = new FakeBus();
        bus.units.put(200L, "jspawn@child_apache.service");
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 101, "systemd-nspawn@child-apache.service", "/x"));
        HostBus.Failure f = assertThrows(HostBus.Failure.class, () -> new Registrar(bus, pid -> true).register(reg(201), 200));
        assertTrue(f.getMessage().contains("in use by a running machine of systemd-nspawn@child-apache.service"), f.getMessage());
        assertEquals(List.of(), bus.calls);
    }

    @Test
    void unregisteringWhatIsAlreadyGoneIsFine() {
        FakeBus bus = new FakeBus();
        assertEquals(Registrar.Unregistered.NONE, new Registrar(bus).unregister("child-apache", "jspawn@child_apache.service"));
    }

    @Test
    void aUnitUnregistersOnlyItsOwnMachine() {
        FakeBus bus = new FakeBus();
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 101, "jspawn@child_apache.service", "/x"));
        // A second unit with the same MachineName= failed to start; its ExecStopPost= must leave the running machine alone.
        assertEquals(Registrar.Unregistered.OTHER_UNIT, new Registrar(bus, pid -> true).unregister("child-apache", "jspawn@dup.service"));
        assertEquals(List.of(), bus.calls);
        assertEquals(Registrar.Unregistered.REMOVED, new Registrar(bus, pid -> true).unregister("child-apache", "jspawn@child_apache.service"));
    }

    @Test
    void aDeadMachineOfAnotherUnitMayBeCleared() {
        FakeBus bus = new FakeBus();
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "closing", 101, "jspawn@old.service", "/x"));
        assertEquals(Registrar.Unregistered.REMOVED, new Registrar(bus, pid -> false).unregister("child-apache", "jspawn@child_apache.service"));
    }

    @Test
    void nspawnRegistersFromSystemd258OnWhereMachinedMakesTheCallerTheSupervisor() {
        org.junit.jupiter.api.Assertions.assertFalse(Registrar.nspawnRegisters(252));
        org.junit.jupiter.api.Assertions.assertFalse(Registrar.nspawnRegisters(257));
        org.junit.jupiter.api.Assertions.assertTrue(Registrar.nspawnRegisters(258));
        org.junit.jupiter.api.Assertions.assertTrue(Registrar.nspawnRegisters(262));
    }
}
