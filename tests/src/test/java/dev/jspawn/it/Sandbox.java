package dev.jspawn.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A systemd booted as PID 1 in fresh namespaces by scripts/sandbox (the same script scripts/demo
 * uses). Commands run inside through nsenter. Closing it powers it off and waits for it, by PID.
 */
final class Sandbox implements AutoCloseable {

    record Result(int exit, String out, String err) {
        Result ok() {
            if (exit != 0) throw new AssertionError("exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            return this;
        }
    }

    private final Path src;
    private final Path state;
    private final boolean disk;
    /** scripts/sandbox start's options beyond STATE_DIR and SRC. */
    private final List<String> options;
    private long pid;

    private Sandbox(Path src, Path state, boolean disk, List<String> options) {
        this.src = src;
        this.state = state;
        this.disk = disk;
        this.options = options;
        boot();
    }

    /** A sandbox whose state is gone when it stops. */
    static Sandbox start(Path src, Path state) {
        return new Sandbox(src, state, false, List.of());
    }

    /** A sandbox whose disk is {@code state} (scripts/sandbox --disk): {@link #reboot()} boots the same disk again. */
    static Sandbox startOnDisk(Path src, Path state) {
        return new Sandbox(src, state, true, List.of("--disk"));
    }

    /** A sandbox that boots another release's root tree (scripts/sandbox --tree), with {@code share} readable inside. */
    static Sandbox startTree(Path src, Path state, Path tree, Path share) {
        return new Sandbox(src, state, false, List.of("--tree", tree.toString(), "--share", share.toString()));
    }

    private void boot() {
        List<String> args = new ArrayList<>(List.of("start", state.toString(), src.toString()));
        args.addAll(options);
        pid = Long.parseLong(script(src, Duration.ofMinutes(2), args.toArray(String[]::new)).ok().out().strip());
    }

    /** Powers it off and boots it again from its disk, as a host reboots. */
    void reboot() {
        if (!disk) throw new IllegalStateException("only a sandbox on a disk can reboot");
        close();
        boot();
    }

    /** Runs scripts/sandbox on the host. */
    static Result script(Path src, Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(src.resolve("scripts/sandbox").toString());
        cmd.addAll(List.of(args));
        return exec(cmd, timeout);
    }

    long pid() {
        return pid;
    }

    /** A shell script inside the sandbox, with {@code args} as $1, $2, ... (passed as they are, never parsed by the shell). */
    Result sh(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("run", Long.toString(pid), "bash", "-c", script, "bash"));
        cmd.addAll(List.of(args));
        return script(src, Duration.ofMinutes(3), cmd.toArray(String[]::new));
    }

    /**
     * Runs {@code script} (it must succeed) and returns the journal of what happened meanwhile: all of it, as journalctl 252
     * with both --after-cursor and -u shows nothing.
     */
    String logged(String script) {
        String cursor = sh("journalctl --show-cursor -n 0 | sed -n 's/^-- cursor: //p'").ok().out().strip();
        sh(script).ok();
        return sh("journalctl -q --no-pager --after-cursor='" + cursor + "'").ok().out().strip();
    }

    /**
     * The journal's last 150 lines, printed when a test fails. -a: a guest's console lines (its shutdown's "A stop job is
     * running for ..." among them) hold control characters, which journalctl otherwise shows as "[N blob data]".
     */
    String journalTail() {
        return sh("journalctl --no-pager -a -n 150").out();
    }

    /** For @RegisterExtension: prints the last 150 lines of the journal of the sandbox {@code box} gives when a test fails. */
    static org.junit.jupiter.api.extension.TestWatcher journalOnFailure(java.util.function.Supplier<Sandbox> box) {
        return new org.junit.jupiter.api.extension.TestWatcher() {
            @Override
            public void testFailed(org.junit.jupiter.api.extension.ExtensionContext context, Throwable cause) {
                Sandbox b = box.get();
                if (b != null) {
                    System.err.println("---- sandbox journal (last 150 lines) after " + context.getDisplayName() + " ----");
                    System.err.println(b.journalTail());
                }
            }
        };
    }

    /** Polls a condition until it holds, or fails saying what was awaited. */
    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    @Override
    public void close() {
        script(src, Duration.ofMinutes(1), "stop", Long.toString(pid)).ok();
    }

    static Result exec(List<String> cmd, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + cmd);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + cmd);
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
