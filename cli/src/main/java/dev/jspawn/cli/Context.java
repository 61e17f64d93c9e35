package dev.jspawn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.DBusHostBus;
import dev.jspawn.machined.HostBus;

/**
 * What the commands touch on the host, replaceable in tests: the search path, the bus, /proc,
 * systemctl, and the other programs jspawn runs (cp, systemd-nspawn, debootstrap, tar).
 */
public record Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl, Runner runner) {

    /** Runs systemctl with these arguments (it waits for its jobs) and returns its exit status. */
    @FunctionalInterface
    public interface Systemctl {
        int run(String... args);
    }

    /** Runs a program, its output going to ours (so long steps show their progress), and returns its exit status. */
    @FunctionalInterface
    public interface Runner {
        int run(List<String> command);
    }

    public Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl) {
        this(searchPath, bus, proc, systemctl, cmd -> {
            throw new UserError(cmd.get(0) + " is not available here");
        });
    }

    public Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc) {
        this(searchPath, bus, proc, args -> {
            throw new UserError("systemctl is not available here");
        });
    }

    public static Context system() {
        return new Context(SearchPath.fromEnvironment(System.getenv()), DBusHostBus::connect, Path.of("/proc"),
                args -> run(prepend("systemctl", args)), Context::run);
    }

    private static List<String> prepend(String first, String... rest) {
        List<String> cmd = new ArrayList<>(List.of(first));
        cmd.addAll(List.of(rest));
        return cmd;
    }

    private static int run(List<String> cmd) {
        try {
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        } catch (java.io.IOException e) {
            throw new UserError("Failed to run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while running " + cmd.get(0));
        }
    }
}
