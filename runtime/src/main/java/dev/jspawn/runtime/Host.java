package dev.jspawn.runtime;

import java.nio.file.Path;
import java.util.function.Supplier;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.DBusHostBus;
import dev.jspawn.machined.HostBus;

/**
 * What the steps around a container's start and stop touch on the host, replaceable in tests.
 *
 * <p>That is the search path (for the other children's ranges), the bus, /proc, jspawn's run dir
 * (/run/jspawn, which holds its locks) and the free space of file systems.
 */
public record Host(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Path runDir, DiskSpace disk) {

    /** The real one: the search path from the environment, a new system bus connection for each use, /proc and /run/jspawn. */
    public static Host system() {
        return new Host(SearchPath.fromEnvironment(System.getenv()), DBusHostBus::connect, Path.of("/proc"), Path.of(ContainerConfig.RUN_DIR),
                DiskSpace.FILE_STORE);
    }

    /** This host, reached over {@code bus} instead (the helper's one connection, shared by its calls). */
    public Host withBus(Supplier<HostBus> bus) {
        return new Host(searchPath, bus, proc, runDir, disk);
    }

    /** Where jspawn keeps its locks: /run/jspawn (a tmpfs: nothing stale survives a reboot). */
    public Path lockDir() {
        return runDir.resolve("locks");
    }
}
