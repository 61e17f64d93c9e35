package dev.jspawn.machined;

import java.util.Optional;

/**
 * What jspawn asks of systemd-machined and systemd over the system bus, in jspawn's own terms.
 * {@link DBusHostBus} is the real one; logic above it (such as {@link Registrar}) is tested with
 * a fake, and the real one against the real machined in the integration tests.
 */
public interface HostBus extends AutoCloseable {

    /** A machine to register: class container, service jspawn. {@code id} is empty or 16 bytes. */
    record Registration(String machine, byte[] id, String rootDirectory, long leader, int[] ifindices) {
    }

    record MachineInfo(String name, String state, long leader, String unit, String rootDirectory) {
    }

    record UnitInfo(String name, String loadState, String activeState, String subState) {
        /** "active (running)", or "not-found" for a unit systemd does not know. */
        public String describe() {
            if (!loadState.equals("loaded")) return loadState;
            return activeState + " (" + subState + ")";
        }
    }

    /**
     * Where systemd loaded a unit from: its SourcePath= (the file a generator made it from, "" if none) and the
     * drop-ins it read.
     */
    record UnitSource(String sourcePath, java.util.List<String> dropInPaths) {
        public UnitSource {
            dropInPaths = java.util.List.copyOf(dropInPaths);
        }
    }

    /** A call that failed, with a message that says which call and why. */
    final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    Optional<MachineInfo> machine(String name);

    /** Whether machined has process {@code pid} in the machine {@code name}; the real bus asks in two calls where {@link #machine} takes five. */
    default boolean hasProcess(String name, long pid) {
        return machine(name).map(m -> m.leader() == pid).orElse(false);
    }

    void registerMachine(Registration registration);

    /** The guest's addresses (IPv4 first, as machinectl shows them), or none if it is not registered or has none. */
    default java.util.List<String> addresses(String machine) {
        return java.util.List.of();
    }

    /** False if machined knows no such machine. */
    boolean unregisterMachine(String name);

    /** The unit a process belongs to, if systemd knows it. */
    Optional<String> unitOfProcess(long pid);

    UnitInfo unit(String name);

    /** The unit's SourcePath= and drop-ins, as systemd has them loaded now. */
    default UnitSource unitSource(String name) {
        throw new Failure("this bus cannot tell where " + name + " was loaded from", null);
    }

    /** Many units at once, by name, in one call where the bus has one (systemd's ListUnitsByNames); each as {@link #unit} has it. */
    default java.util.Map<String, UnitInfo> units(java.util.List<String> names) {
        java.util.Map<String, UnitInfo> out = new java.util.LinkedHashMap<>();
        for (String n : names) out.put(n, unit(n));
        return out;
    }

    /** The names of every registered machine (one call: machined's ListMachines), for a listing that looks up only those. */
    default java.util.Set<String> machineNames() {
        throw new Failure("this bus cannot list machines", null);
    }

    /** The major version of the systemd that serves the bus (its Manager's Version, "252.38-1~deb12u1" is 252). */
    int systemdVersion();

    @Override
    void close();
}
