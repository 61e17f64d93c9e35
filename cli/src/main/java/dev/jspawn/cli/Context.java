package dev.jspawn.cli;

import java.nio.file.Path;
import java.util.function.Supplier;

import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.DBusHostBus;
import dev.jspawn.machined.HostBus;

/** What the commands touch on the host, replaceable in tests: the search path, the bus, /proc and systemctl. */
public record Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl) {

    /** Runs systemctl with these arguments (it waits for its jobs) and returns its exit status. */
    @FunctionalInterface
    public interface Systemctl {
        int run(String... args);
    }

    public Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc) {
        this(searchPath, bus, proc, args -> {
            throw new UserError("systemctl is not available here");
        });
    }

    public static Context system() {
        return new Context(SearchPath.fromEnvironment(System.getenv()), DBusHostBus::connect, Path.of("/proc"), Context::systemctl);
    }

    private static int systemctl(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "systemctl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        } catch (java.io.IOException e) {
            throw new UserError("Failed to run systemctl: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while running systemctl");
        }
    }
}
