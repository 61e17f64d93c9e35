package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.generator.HelperContract;

/**
 * units/jspawn-nspawn.sh, jspawn@'s main process: where the helper registers the guest it sends the helper's Register for
 * its own PID, which stays the unit's main PID as it execs systemd-nspawn, without waiting; a call that fails never stops
 * the start. It runs here for real, with busctl in its copy replaced by a script that says how it was called (the
 * integration tests run the real one against the real helper and machined).
 */
class NspawnStartScriptTest {

    static final Path SCRIPT = Path.of("../units/jspawn-nspawn.sh");

    @TempDir
    Path tmp;

    /** As {@link #run(String, int, boolean)} with the helper running. */
    private String run(String register, int busctlStatus) throws Exception {
        return run(register, busctlStatus, true);
    }

    /**
     * Runs the script's copy with JSPAWN_REGISTER={@code register}, the helper's runtime directory there or not, and a
     * "systemd-nspawn" that prints its PID; what busctl and jspawn-register were asked (each a line), then its output.
     */
    private String run(String register, int busctlStatus, boolean helperRunning) throws Exception {
        Path copy = tmp.resolve("jspawn-nspawn"), busctl = tmp.resolve("busctl"), calls = tmp.resolve("calls");
        Path registerScript = tmp.resolve("jspawn-register"), runtime = tmp.resolve("helper-runtime");
        Files.deleteIfExists(calls);
        Files.deleteIfExists(runtime);
        if (helperRunning) Files.createDirectory(runtime);
        Files.writeString(busctl, "#!/bin/sh\necho \"$*\" >> " + calls + "\necho noise; echo noise >&2; exit " + busctlStatus + "\n");
        // Called in the background; it holds the output open, so it has said so by the time the output ends.
        Files.writeString(registerScript, "#!/bin/sh\necho \"jspawn-register $*\" >> " + calls + "\n");
        for (Path p : List.of(busctl, registerScript)) p.toFile().setExecutable(true);
        Files.writeString(copy, Files.readString(SCRIPT).replace("/usr/bin/busctl", busctl.toString())
                .replace("/usr/libexec/jspawn/jspawn-register", registerScript.toString()).replace(HelperContract.RUNTIME_DIRECTORY, runtime.toString()));
        List<String> command = new ArrayList<>(List.of("sh", copy.toString(), "solo", "/var/lib/jspawn/solo", "sh", "-c",
                "echo \"nspawn $$ $*\"; sleep 0.5", "sh", "--quiet", "--boot"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove(HelperContract.REGISTER_VARIABLE);
        if (!register.isEmpty()) pb.environment().put(HelperContract.REGISTER_VARIABLE, register);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String called = Files.exists(calls) ? Files.readString(calls) : "";
        return called + out;
    }

    @Test
    void withoutAHelperItLeavesJspawnRegisterToAwaitTheGuestAndExecsNspawn() throws Exception {
        String[] lines = run("no", 0, false).split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        String pid = lines[1].split(" ")[1];
        assertEquals("jspawn-register --await 30 " + HelperContract.REGISTER + " " + HelperContract.REGISTER_SIGNATURE + " solo /var/lib/jspawn/solo " + pid,
                lines[0], "in the background, for nspawn's PID, not the helper asked (none is started)");
        assertEquals("nspawn " + pid + " --quiet --boot", lines[1]);
    }

    @Test
    void beforeSystemd258ItAsksTheHelperToRegisterItsOwnPidThenExecsNspawn() throws Exception {
        String[] lines = run("no", 0).split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        String pid = lines[1].split(" ")[1];
        assertEquals("call --expect-reply=no --auto-start=no -- dev.jspawn.Helper " + HelperContract.OBJECT_PATH + " " + HelperContract.INTERFACE + " "
                + HelperContract.REGISTER + " " + HelperContract.REGISTER_SIGNATURE + " solo /var/lib/jspawn/solo " + pid, lines[0]);
        assertEquals("nspawn " + pid + " --quiet --boot", lines[1], "the same process, nspawn's arguments as given");
    }

    @Test
    void aCallThatFailsNeverStopsTheStartAndSaysNothing() throws Exception {
        String out = run("no", 1);
        assertFalse(out.contains("noise"), out);
        assertEquals(1, out.lines().filter(l -> l.startsWith("nspawn ")).count(), out);
    }

    @Test
    void whereNspawnRegistersItselfOrNothingSaysItIsDoneAsksNothing() throws Exception {
        for (String register : List.of("yes", "")) {
            String out = run(register, 0);
            assertEquals(List.of("nspawn"), out.lines().map(l -> l.split(" ")[0]).toList(), out);
        }
    }
}
