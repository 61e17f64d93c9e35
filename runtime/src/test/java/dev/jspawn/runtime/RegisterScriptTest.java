package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.generator.HelperContract;

/**
 * units/jspawn-register.sh, which answers Register and Unregister itself only where systemd-nspawn registers the guest
 * and there is only something to look at, else hands them to the helper. It runs here for real, with busctl and
 * jspawn-call in its copy replaced by scripts that answer as machined would and say they were called (the integration
 * tests run the real ones against real machined, on systemd 258 and later and before).
 */
class RegisterScriptTest {

    static final Path SCRIPT = Path.of("../units/jspawn-register.sh");
    static final List<String> REGISTER = List.of("30", HelperContract.REGISTER, HelperContract.REGISTER_SIGNATURE, "solo", "/var/lib/jspawn/solo", "4242");
    static final List<String> UNREGISTER = List.of("30", HelperContract.UNREGISTER, HelperContract.UNREGISTER_SIGNATURE, "solo", "jspawn@solo.service");
    static final String PATH = "/org/freedesktop/machine1/machine/solo";

    @TempDir
    Path tmp;

    /** machined's answers, by method: what busctl prints, and whether it failed. */
    record Answer(String out, boolean failed) {
        static Answer of(String out) {
            return new Answer(out, false);
        }

        static Answer failed(String error) {
            return new Answer("Call failed: " + error, true);
        }
    }

    static final String UNIT_PATH = "/org/freedesktop/systemd1/unit/jspawn_40solo_2eservice";

    /** What machined and systemd answer about solo, registered by nspawn for its unit: {@code changes} replaces some of it. */
    static Map<String, Answer> registered(Map<String, Answer> changes) {
        Map<String, Answer> m = new HashMap<>(Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""),
                "get-property " + PATH + " Unit Leader", Answer.of("s \"jspawn@solo.service\"\nu 4301"),
                "GetUnitByPID u 4242", Answer.of("o \"" + UNIT_PATH + "\""),
                "get-property " + UNIT_PATH + " Id", Answer.of("s \"jspawn@solo.service\"")));
        m.putAll(changes);
        return m;
    }

    @Test
    void whereNspawnRegisteredTheGuestForThisUnitThatIsAllThereIsToSay() throws Exception {
        assertEquals("Machine solo registered by systemd-nspawn (leader 4301).\n", run("yes", REGISTER, registered(Map.of())));
    }

    @Test
    void anythingElseAtTheStartGoesToTheHelper() throws Exception {
        String helper = "helper called: " + String.join(" ", REGISTER) + "\n";
        assertEquals(helper, run("no", REGISTER, Map.of()), "the helper registers the guest (before systemd 258)");
        assertEquals(helper, run("", REGISTER, Map.of()), "no environment from the helper");
        assertEquals("solo: the helper looks at its registration: Call failed: No machine 'solo' known\n" + helper,
                run("yes", REGISTER, registered(Map.of("GetMachine s solo", Answer.failed("No machine 'solo' known")))), "not registered: the helper says so");
        assertEquals("solo: the helper looks at its registration: machined has it for \"jspawn@other.service\", systemd-nspawn runs in \"jspawn@solo.service\"\n" + helper,
                run("yes", REGISTER, registered(Map.of("get-property " + PATH + " Unit Leader", Answer.of("s \"jspawn@other.service\"\nu 4301")))),
                "registered for another unit");
        assertTrue(run("yes", REGISTER, registered(Map.of("get-property " + PATH + " Unit Leader", Answer.of("s \"jspawn@solo.service\"")))).endsWith(helper),
                "no leader");
        assertTrue(run("yes", REGISTER, registered(Map.of("GetUnitByPID u 4242", Answer.failed("PID 4242 does not belong to any loaded unit.")))).endsWith(helper),
                "nspawn is gone");
        assertTrue(run("yes", REGISTER, registered(Map.of("GetUnitByPID u 4242", Answer.of("o \"/org/freedesktop/systemd1/unit/other\""),
                "get-property /org/freedesktop/systemd1/unit/other Id", Answer.of("s \"other.service\"")))).endsWith(helper),
                "another unit's process");
        List<String> other = new ArrayList<>(REGISTER);
        other.add("extra");
        assertEquals("helper called: " + String.join(" ", other) + "\n", run("yes", other, registered(Map.of())), "not the arguments it knows");
    }

    @Test
    void atTheStopAMachineMachinedNoLongerKnowsIsNothingToRemove() throws Exception {
        assertEquals("Machine solo was not registered.\n", run("yes", UNREGISTER, Map.of("GetMachine s solo", Answer.failed("No machine 'solo' known"))));
        String helper = "helper called: " + String.join(" ", UNREGISTER) + "\n";
        assertEquals(helper, run("yes", UNREGISTER, Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""))), "still registered: the helper removes it");
        assertEquals(helper, run("yes", UNREGISTER, Map.of("GetMachine s solo", Answer.failed("Connection timed out"))), "machined did not answer");
        assertEquals(helper, run("no", UNREGISTER, Map.of()), "the helper registered it");
    }

    /** Runs a copy of the script with JSPAWN_REGISTER set to {@code register} (unset if empty); returns what it printed. */
    String run(String register, List<String> args, Map<String, Answer> machined) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "case");
        Path copy = dir.resolve("jspawn-register"), call = dir.resolve("jspawn-call"), busctl = dir.resolve("busctl");
        Files.writeString(call, "#!/bin/sh\necho \"helper called: $*\"\n");
        // busctl VERB --timeout=T -- DESTINATION PATH INTERFACE ...: the key is VERB and the rest, with PATH only for get-property.
        StringBuilder stub = new StringBuilder("#!/bin/sh\nverb=$1; shift 3\ncase $1 in org.freedesktop.machine1 | org.freedesktop.systemd1) ;; *) exit 2 ;; esac\n"
                + "path=$2; shift 3\ncase $verb in get-property) key=\"$verb $path $*\" ;; *) key=\"$verb $*\" ;; esac\ncase $key in\n");
        int n = 0;
        for (var e : machined.entrySet()) {
            Path answer = Files.writeString(dir.resolve("answer" + n++), e.getValue().out() + "\n");
            stub.append("'").append(key(e.getKey())).append("') cat ").append(answer).append("; exit ").append(e.getValue().failed() ? 1 : 0).append(" ;;\n");
        }
        stub.append("esac\necho \"Call failed: unexpected: $key\"; exit 1\n");
        Files.writeString(busctl, stub);
        for (Path p : List.of(call, busctl)) p.toFile().setExecutable(true);
        Files.writeString(copy, Files.readString(SCRIPT).replace("/usr/libexec/jspawn/jspawn-call", call.toString())
                .replace("/usr/bin/busctl", busctl.toString()));
        List<String> command = new ArrayList<>(List.of("sh", copy.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove(HelperContract.REGISTER_VARIABLE);
        if (!register.isEmpty()) pb.environment().put(HelperContract.REGISTER_VARIABLE, register);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** The stub's key for a method of machined's manager, or a get-property of an object. */
    static String key(String what) {
        return what.startsWith("get-property ") ? what : "call " + what;
    }
}
