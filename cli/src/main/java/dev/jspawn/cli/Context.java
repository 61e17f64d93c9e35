package dev.jspawn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.HostBus;
import dev.jspawn.runtime.DiskSpace;
import dev.jspawn.runtime.Host;
import dev.jspawn.runtime.UserError;

/**
 * What the commands touch on the host, replaceable in tests: the search path, the bus, /proc,
 * systemctl, the other programs jspawn runs (cp, systemd-nspawn, debootstrap, tar), and the free
 * space of file systems. The part that the steps around a start and stop need is its {@link #host()}.
 */
public record Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl, Runner runner, Path runDir,
        DiskSpace disk) {

    public Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl, Runner runner, Path runDir) {
        this(searchPath, bus, proc, systemctl, runner, runDir, DiskSpace.FILE_STORE);
    }

    /** Whether this process runs as root (effective UID 0), from proc/self/status; assumed so where that cannot be read. */
    public boolean isRoot() {
        try {
            for (String line : java.nio.file.Files.readAllLines(proc.resolve("self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc here: let the command itself fail if it must
        }
        return true;
    }

    /** Where jspawn keeps its locks: /run/jspawn (a tmpfs: nothing stale survives a reboot). */
    public Path lockDir() {
        return host().lockDir();
    }

    /** What the steps around a container's start and stop (dev.jspawn.runtime) touch of this host. */
    public Host host() {
        return new Host(searchPath, bus, proc, runDir, disk);
    }

    /** Tests put their own /proc and /run side by side: run is then proc's sibling "run/jspawn". */
    public Context(SearchPath searchPath, Supplier<HostBus> bus, Path proc, Systemctl systemctl, Runner runner) {
        this(searchPath, bus, proc, systemctl, runner, proc.resolveSibling("run/jspawn"));
    }

    /** Runs systemctl with these arguments (it waits for its jobs) and returns its exit status. */
    @FunctionalInterface
    public interface Systemctl {
        int run(String... args);
    }

    /** Runs a program, its output going to ours (so long steps show their progress), and returns its exit status. */
    @FunctionalInterface
    public interface Runner {
        int run(List<String> command);

        /** Runs it with {@code input} on its standard input (a secret, say, that must not show in its arguments). */
        default int run(List<String> command, String input) {
            throw new UserError(command.get(0) + " is not available here");
        }

        /**
         * Runs it with each line of its standard error given to {@code errors} instead of shown: for a
         * program that prints one line per file it fails on (cp on a full disk: thousands).
         */
        default int runWithErrors(List<String> command, java.util.function.Consumer<String> errors) {
            return run(command);
        }

        /** Runs it and returns its standard output (its standard error shown); a non-zero exit status is a UserError saying so. */
        default byte[] output(List<String> command) {
            throw new UserError(command.get(0) + " is not available here");
        }
    }

    /** The real one: child processes that die with us. */
    static final Runner PROCESSES = new Runner() {
        @Override
        public int run(List<String> command) {
            return Context.run(command, null);
        }

        @Override
        public int run(List<String> command, String input) {
            return Context.run(command, input);
        }

        @Override
        public int runWithErrors(List<String> command, java.util.function.Consumer<String> errors) {
            return Context.run(command, null, errors);
        }

        @Override
        public byte[] output(List<String> command) {
            List<String> tied = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
            tied.addAll(command);
            try {
                Process p = new ProcessBuilder(tied).redirectInput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                byte[] out = p.getInputStream().readAllBytes();
                int status = p.waitFor();
                if (status != 0) throw new UserError(String.join(" ", command) + " failed (exit status " + status + ")");
                return out;
            } catch (java.io.IOException e) {
                throw new UserError("Failed to run " + command.get(0) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while running " + command.get(0));
            }
        }
    };

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
        Host host = Host.system();
        return new Context(host.searchPath(), host.bus(), host.proc(), args -> run(prepend("systemctl", args), null), PROCESSES, host.runDir(),
                host.disk());
    }

    private static List<String> prepend(String first, String... rest) {
        List<String> cmd = new ArrayList<>(List.of(first));
        cmd.addAll(List.of(rest));
        return cmd;
    }

    /**
     * Runs a program as a child that dies with us (util-linux setpriv --pdeathsig): a jspawn killed in
     * the middle of base update must not leave its cp or systemd-nspawn writing into a version that the
     * next command, once it holds the lock, rightly takes for abandoned.
     */
    private static int run(List<String> cmd, String input) {
        return run(cmd, input, null);
    }

    /** As {@link #run(List, String)}, with its standard error read line by line into {@code errors} if that is given. */
    private static int run(List<String> cmd, String input, java.util.function.Consumer<String> errors) {
        List<String> tied = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        tied.addAll(cmd);
        try {
            ProcessBuilder pb = new ProcessBuilder(tied).inheritIO();
            if (input != null) pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            if (errors != null) pb.redirectError(ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            if (input != null) {
                try (var in = p.getOutputStream()) {
                    in.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            if (errors != null) {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) errors.accept(line);
                }
            }
            return p.waitFor();
        } catch (java.io.IOException e) {
            throw new UserError("Failed to run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while running " + cmd.get(0));
        }
    }
}
