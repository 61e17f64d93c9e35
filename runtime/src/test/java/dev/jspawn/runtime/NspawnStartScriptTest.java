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

    /** Runs the script's copy with JSPAWN_REGISTER={@code register} and a "systemd-nspawn" that prints its PID; its output. */
    private String run(String register, int busctlStatus) throws Exception {
        Path copy = tmp.resolve("jspawn-nspawn"), busctl = tmp.resolve("busctl"), calls = tmp.resolve("calls");
        Files.writeString(busctl, "#!/bin/sh\necho \"$*\" >> " + calls + "\necho noise; echo noise >&2; exit " + busctlStatus + "\n");
        busctl.toFile().setExecutable(true);
        Files.writeString(copy, Files.readString(SCRIPT).replace("/usr/bin/busctl", busctl.toString()));
        List<String> command = new ArrayList<>(List.of("sh", copy.toString(), "solo", "/var/lib/jspawn/solo", "sh", "-c", "echo \"nspawn $$ $*\"", "sh", "--quiet", "--boot"));
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
