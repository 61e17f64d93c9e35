package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.generator.HelperContract;

/**
 * What the helper writes down of a preparation, and units/jspawn-prepare.sh, which does it again only while all of it
 * holds: the script runs here for real, on a real file the helper's code wrote, with jspawn-call in its copy replaced
 * by a script that says it was called, and systemctl by one that notes what it was asked (the integration tests run
 * the real ones, and the mounts).
 */
class PreparedTest {

    static final Path SCRIPT = Path.of("../units/jspawn-prepare.sh");

    @TempDir
    Path tmp;

    @Test
    void theHelperWritesTheLinesStatPrints() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path file = Files.writeString(tmp.resolve("file"), "nameserver 192.0.2.1\n");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), file);
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("nowhere"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
        for (Path p : List.of(dir, file, link, dangling, tmp.resolve("missing"))) {
            assertEquals(stat(List.of("-c", Prepared.IDENTITY), p), Prepared.identityLine(p).orElse(""), "stat -c of " + p);
            assertEquals(stat(List.of("-L", "-c", Prepared.CONTENT), p), Prepared.contentLine(p).orElse(""), "stat -L -c of " + p);
        }
    }

    @Test
    void theScriptStatsWithTheHelpersFormats() throws IOException {
        String script = Files.readString(SCRIPT);
        assertTrue(script.contains("same_stat '" + Prepared.IDENTITY + "' ''"), "identity: " + Prepared.IDENTITY);
        assertTrue(script.contains("same_stat '" + Prepared.CONTENT + "' -L"), "content: " + Prepared.CONTENT);
        assertTrue(script.contains("[ \"$line\" = \"" + Prepared.HEADER + "\" ]"), Prepared.HEADER);
        assertTrue(script.contains("[ -e " + HelperContract.RUNTIME_DIRECTORY + "/" + HelperContract.WARM_FILE + " ]"), "the helper's mark");
        assertTrue(Files.readString(Path.of("../units/jspawn-helper.service")).contains("\nRuntimeDirectory=" + HelperContract.RUNTIME_DIRECTORY.substring(5) + "\n"),
                "where the helper's unit has it");
    }

    @Test
    void aValueWithANewlineIsNeverWrittenDown() throws IOException {
        Layout l = new Layout(tmp);
        assertTrue(l.text(l.args()).isPresent());
        List<String> args = l.args();
        args.set(1, "c\n0");
        assertEquals(Optional.empty(), l.text(args));
    }

    @Test
    void nothingIsWrittenDownWhenTheDirsAreNotAsThePreparationLeftThem() throws IOException {
        Layout l = new Layout(tmp);
        Files.setPosixFilePermissions(l.work, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(Optional.empty(), l.text(l.args()), "a work dir others may enter");
        Files.setPosixFilePermissions(l.work, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(l.root, PosixFilePermissions.fromString("rwxr-x---"));
        assertEquals(Optional.empty(), l.text(l.args()), "an image root others may enter");
        Files.setPosixFilePermissions(l.root, PosixFilePermissions.fromString("rwx------"));
        Files.delete(l.upper);
        assertEquals(Optional.empty(), l.text(l.args()), "no upper dir");
    }

    @Test
    void theScriptDoesAgainWhatWasWrittenDownUntilSomethingItDependedOnChanged() throws Exception {
        assumeTrue(root(), "as root (as .ci/run runs): the image root must be root's");
        Layout same = replayedAfter(l -> { }, true, "nothing changed");
        // Whoever registers the guest (jspawn-register without a helper before systemd 258, nspawn from 258 on).
        assertTrue(Files.notExists(same.systemctl), "systemctl was not asked to start the helper");
        Layout running = replayedAfter(l -> { }, false, true, "nothing changed, but a helper runs that has served a MountLayers: it is asked");
        assertTrue(Files.exists(running.failure), "left to the helper");
        replayedAfter(l -> l.args.set(1, "other"), false, "another machine name in the unit");
        replayedAfter(l -> l.uncheck(() -> Files.setAttribute(l.upper, "unix:uid", 65536)), false, "the upper dir re-owned");
        replayedAfter(l -> l.uncheck(() -> Files.delete(l.upper)), false, "the upper dir removed");
        replayedAfter(l -> l.uncheck(() -> Files.setPosixFilePermissions(l.work, PosixFilePermissions.fromString("rwxr-xr-x"))), false, "the work dir re-moded");
        replayedAfter(l -> l.uncheck(() -> Files.delete(l.env)), false, "the environment removed");
        replayedAfter(l -> l.uncheck(() -> Files.writeString(l.resolv, "nameserver 127.0.0.53\n")), false, "resolv.conf rewritten");
        replayedAfter(l -> l.uncheck(() -> Files.writeString(l.uplink, "nameserver 192.0.2.9\n")), false, "resolved's list appeared");
        replayedAfter(l -> l.uncheck(() -> l.write(Long.MAX_VALUE / 8)), false, "less free space than a start needs");
        replayedAfter(l -> l.uncheck(() -> {
            Path real = Files.move(l.prepared(), l.prepared().resolveSibling("elsewhere"));
            Files.createSymbolicLink(l.prepared(), real);
        }), false, "the file a symlink");
        replayedAfter(l -> l.uncheck(() -> {
            String text = Files.readString(l.prepared());
            Files.writeString(l.prepared(), text.substring(0, text.lastIndexOf('\n', text.length() - 2) + 1));
        }), false, "the file cut short");
    }

    /** Writes the file as the helper does, makes one change, runs the script: replayed, or handed to the helper with its arguments. */
    Layout replayedAfter(Consumer<Layout> change, boolean replayed, String what) throws Exception {
        return replayedAfter(change, replayed, false, what);
    }

    Layout replayedAfter(Consumer<Layout> change, boolean replayed, boolean helperRunning, String what) throws Exception {
        return replayedAfter(l -> { }, change, replayed, helperRunning, what);
    }

    /** As above, with {@code before} done to the dirs before the helper writes the file. */
    Layout replayedAfter(Consumer<Layout> before, Consumer<Layout> change, boolean replayed, boolean helperRunning, String what) throws Exception {
        Layout l = new Layout(Files.createTempDirectory(tmp, "case"));
        before.accept(l);
        l.write(1);
        change.accept(l);
        Path copy = l.dir.resolve("jspawn-prepare"), call = l.dir.resolve("jspawn-call");
        // A helper that served a MountLayers before says so in its runtime directory, and answers the call made only if it runs.
        Path runtime = Files.createDirectories(l.dir.resolve("helper-runtime"));
        if (helperRunning) Files.writeString(runtime.resolve(HelperContract.WARM_FILE), "");
        Files.writeString(call, "#!/bin/sh\necho \"helper called: $*\"\n");
        call.toFile().setExecutable(true);
        Path systemctl = l.dir.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\necho \"$*\" >> " + l.systemctl + "\n");
        systemctl.toFile().setExecutable(true);
        Files.writeString(copy, Files.readString(SCRIPT).replace("/usr/libexec/jspawn/jspawn-call", call.toString())
                .replace("/usr/bin/systemctl", systemctl.toString())
                .replace(HelperContract.RUNTIME_DIRECTORY + "/", runtime + "/"));
        List<String> command = new ArrayList<>(List.of("sh", copy.toString(), "--failure-file", l.failure.toString(), "120",
                HelperContract.MOUNT_LAYERS, HelperContract.MOUNT_LAYERS_SIGNATURE));
        command.addAll(l.args);
        Files.writeString(l.failure, "an earlier failure\n");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        if (replayed) {
            assertEquals("c: PrivateUsers=no: the guest's root is host root\nc: prepared as at its last start, without the helper\n", out, what);
            assertTrue(Files.notExists(l.failure), "the earlier failure's reason is gone");
        } else {
            String called = "helper called: " + (helperRunning ? "--if-running " : "") + String.join(" ", command.subList(2, command.size())) + "\n";
            // Said first, in the journal: why the helper prepares it after all.
            String said = helperRunning ? "" : out.substring(0, Math.max(0, out.length() - called.length()));
            assertEquals(called, out.substring(said.length()), what);
            // (nothing to say for a file that is not one: a symlink is never read)
            if (!helperRunning && !what.equals("the file a symlink")) assertTrue(said.matches("(c|other): prepared by the helper: .+ since its last start\n"), what + ": " + out);
        }
        return l;
    }

    static boolean root() throws IOException {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
    }

    static String stat(List<String> options, Path p) throws Exception {
        List<String> command = new ArrayList<>(List.of("stat"));
        command.addAll(options);
        command.add("--");
        command.add(p.toString());
        return run(command);
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.strip();
    }

    /** A child's dirs as a preparation with PrivateUsers=no and no bases leaves them, with a resolv.conf of its own. */
    static final class Layout {
        final Path dir, root, upper, work, run, env, failure, resolv, uplink;
        /** What the script asked systemctl, a line each time. */
        final Path systemctl;
        final List<String> args0;
        /** What the unit passes. */
        final List<String> args;

        Layout(Path dir) throws IOException {
            this.dir = dir;
            root = dir.resolve("images");
            upper = root.resolve("c_up");
            work = root.resolve("c_work");
            run = dir.resolve("run/c");
            env = run.resolve("nspawn.env");
            failure = run.resolve("failure");
            resolv = dir.resolve("resolv.conf");
            uplink = dir.resolve("uplink.conf");
            systemctl = dir.resolve("systemctl.log");
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectory(upper);
            Files.createDirectory(work);
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(run);
            Files.writeString(env, "JSPAWN_MACHINE_ID=0123456789abcdef0123456789abcdef\n");
            Files.writeString(resolv, "nameserver 192.0.2.1\n");
            args0 = List.of("no", "c", upper.toString(), work.toString(), env.toString(), "0");
            args = new ArrayList<>(args0);
        }

        List<String> args() {
            return new ArrayList<>(args0);
        }

        Path prepared() {
            return run.resolve(HelperContract.PREPARED_FILE);
        }

        Optional<String> text(List<String> args) {
            return text(args, 1);
        }

        Optional<String> text(List<String> args, long minFree) {
            return Prepared.text(args, Prepared.Stats.identity(List.of(root, upper, work, env, run.resolve(HelperContract.VERSIONS_FILE))),
                    Prepared.Stats.content(List.of(resolv, uplink)), minFree, 0, List.of(), "c: PrivateUsers=no: the guest's root is host root");
        }

        /** Writes the file as the helper would, for the arguments it was called with. */
        void write(long minFree) throws IOException {
            Files.writeString(prepared(), text(args0, minFree).orElseThrow());
        }

        void uncheck(IoStep step) {
            try {
                step.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @FunctionalInterface
    interface IoStep {
        void run() throws IOException;
    }
}
