package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.machined.HostBus;

/** machined and systemd in memory; the real ones are used by the integration tests. */
final class FakeBus implements HostBus {
    final Map<String, MachineInfo> machines = new HashMap<>();
    final Map<String, UnitInfo> units = new HashMap<>();
    final List<Registration> registered = new ArrayList<>();
    int systemdVersion = 252;
    final Map<Long, String> unitOf = new HashMap<>();

    @Override
    public Optional<MachineInfo> machine(String name) {
        return Optional.ofNullable(machines.get(name));
    }

    @Override
    public void registerMachine(Registration r) {
        registered.add(r);
        machines.put(r.machine(), new MachineInfo(r.machine(), "running", r.leader(), "jspawn@x.service", r.rootDirectory()));
    }

    @Override
    public boolean unregisterMachine(String name) {
        return machines.remove(name) != null;
    }

    @Override
    public Optional<String> unitOfProcess(long pid) {
        return Optional.ofNullable(unitOf.get(pid));
    }

    @Override
    public UnitInfo unit(String name) {
        return units.getOrDefault(name, new UnitInfo(name, "loaded", "inactive", "dead"));
    }

    @Override
    public int systemdVersion() {
        return systemdVersion;
    }

    @Override
    public void close() {
    }

    /**
     * A /proc in which systemd-nspawn runs as PID 100 with {@code children} ("101 ", or "" before the guest starts), each
     * PID 1 of a PID namespace of its own, as nspawn's child is.
     */
    static Path fakeNspawn(Path proc, String children) throws IOException {
        Files.createDirectories(proc.resolve("100/task/100"));
        Files.writeString(proc.resolve("100/task/100/children"), children);
        for (String c : children.trim().split(" ")) {
            if (!c.isEmpty()) fakeProcess(proc, Long.parseLong(c), c + "\t1");
        }
        return proc;
    }

    /** Process {@code pid} in a fake /proc, with the NSpid line of its status ("101\t1": PID 1 of a namespace of its own). */
    static void fakeProcess(Path proc, long pid, String nsPid) throws IOException {
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(proc.resolve(pid + "/status"), "Name:\tsystemd\nPid:\t" + pid + "\nNSpid:\t" + nsPid + "\n");
    }
}
