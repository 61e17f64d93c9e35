package dev.jspawn.cli;

import java.nio.file.Path;
import java.util.function.Supplier;

import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.DBusHostBus;
import dev.jspawn.machined.HostBus;

/** What the commands touch on the host, replaceable in tests: the search path, the bus, and /proc. */
public record Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc) {

    public static Context system() {
        return new Context(SearchPath.fromEnvironment(System.getenv()), DBusHostBus::connect, Path.of("/proc"));
    }
}
