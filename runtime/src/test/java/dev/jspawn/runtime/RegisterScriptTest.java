package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
 * units/jspawn-register.sh, which answers Register and Unregister itself where it can with busctl (where systemd-nspawn
 * registers the guest, by looking; before, by registering it when no helper runs), else hands them to the helper. It
 * runs here for real, with busctl and jspawn-call in its copy replaced by scripts that answer as machined would and say
 * they were called, and /proc and /sys/class/net by directories with what the kernel would show (the integration tests
 * run the real ones against real machined, on systemd 258 and later and before).
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
        assertEquals("helper called: --if-running " + String.join(" ", REGISTER) + "\n", run("no", REGISTER, Map.of()),
                "a running helper registers the guest (before systemd 258): jspawn-nspawn has asked it already");
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

    static final String ID = "0123456789abcdef0123456789ABCDEF";
    /** busctl's arguments for ID's 16 bytes. */
    static final String BYTES = "16 1 35 69 103 137 171 205 239 1 35 69 103 137 171 205 239";
    static final String REGISTERED = "Registered machine solo (leader 4301, interface index [7]).\n";

    /** The call machined gets when the script registers solo, with its interfaces ("1 7": one, index 7). */
    static Map<String, Answer> registers(String interfaces) {
        return Map.of("get-property " + PATH + " Leader", Answer.failed("Unknown object '" + PATH + "'."),
                "RegisterMachineWithNetwork sayssusai solo " + BYTES + " jspawn container 4301 /var/lib/jspawn/solo " + interfaces,
                Answer.of("o \"" + PATH + "\""));
    }

    @Test
    void withoutAHelperBefore258TheScriptRegistersTheGuestAsTheHelperWould() throws Exception {
        assertEquals(REGISTERED, run("no", REGISTER, registers("1 7"), new Kernel()));
        Kernel dashed = new Kernel();
        dashed.nspawnArgs = List.of("systemd-nspawn", "--uuid=01234567-89ab-cdef-0123-456789abcdef", "--network-veth", "--", "/sbin/init");
        assertEquals(REGISTERED, run("no", REGISTER, registers("1 7"), dashed), "a UUID with dashes");
        Kernel bridged = new Kernel();
        bridged.nspawnArgs = List.of("systemd-nspawn", "--uuid=" + ID, "--network-bridge=br0");
        bridged.links = Map.of("vb-solo", "7", "ve-solo", "8");
        assertEquals(REGISTERED, run("no", REGISTER, registers("1 7"), bridged), "on a bridge, the host side is vb-");
        Kernel noVeth = new Kernel();
        noVeth.nspawnArgs = List.of("systemd-nspawn", "--uuid=" + ID, "--private-network", "--", "--network-veth");
        assertEquals("Registered machine solo (leader 4301).\n", run("no", REGISTER, registers("0"), noVeth),
                "no veth: the guest's command line (after --) is not nspawn's");
        Kernel twoThreads = new Kernel();
        twoThreads.children = Map.of("4242", "", "4243", "4301 ");
        assertEquals(REGISTERED, run("no", REGISTER, registers("1 7"), twoThreads), "the child of another of nspawn's threads");
    }

    @Test
    void machinedsObjectPathIsTheNameEscapedAsSdBusEscapesALabel() throws Exception {
        Map<String, String> paths = Map.of("child-apache", "child_2dapache", "1web", "_31web", "web1", "web1", "a.b_c", "a_2eb_5fc");
        for (var e : paths.entrySet()) {
            List<String> args = new ArrayList<>(REGISTER);
            args.set(3, e.getKey());
            Map<String, Answer> ours = Map.of("get-property /org/freedesktop/machine1/machine/" + e.getValue() + " Leader", Answer.of("u 4301"));
            assertEquals("Machine " + e.getKey() + " registered already (leader 4301).\n", run("no", args, ours, new Kernel()), e.getKey());
        }
        List<String> odd = new ArrayList<>(REGISTER);
        odd.set(3, "caf\u00e9");
        Map<String, Answer> notYet = Map.of("GetMachine s caf\u00e9", Answer.failed("No machine 'caf\u00e9' known"));
        assertTrue(run("no", odd, notYet, new Kernel()).startsWith("caf\u00e9: registered by the helper: no interface ve-caf\u00e9"),
                "a byte it does not escape: machined is asked by name instead");
    }

    @Test
    void aGuestRegisteredAlreadyWithTheLeaderFoundIsThisStartsOwn() throws Exception {
        Map<String, Answer> ours = Map.of("get-property " + PATH + " Leader", Answer.of("u 4301"));
        assertEquals("Machine solo registered already (leader 4301).\n", run("no", REGISTER, ours, new Kernel()),
                "registered by jspawn-register --await as nspawn made the guest: ExecStartPost= finds it so, with one call");
        Map<String, Answer> another = Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""), "get-property " + PATH + " Leader", Answer.of("u 999"));
        assertEquals("solo: registered by the helper: machined has a machine solo already, or did not answer\n"
                + "helper called: " + String.join(" ", REGISTER) + "\n", run("no", REGISTER, another, new Kernel()), "another leader: the helper's to judge");
    }

    static final List<String> AWAIT = concat(List.of("--await"), REGISTER);

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void awaitingTheGuestItRegistersItOnceNspawnHasMadeItsPidOneAndItsVeth() throws Exception {
        assertEquals(REGISTERED, run("no", AWAIT, registers("1 7"), new Kernel()), "made already");
        Kernel later = new Kernel();
        later.children = Map.of("4242", "");
        later.links = Map.of();
        assertEquals(REGISTERED, run("no", AWAIT, registers("1 7"), later, (proc, net) -> {
            Files.writeString(proc.resolve("4242/task/4242/children"), "4301 ");
            Thread.sleep(100);
            Files.writeString(Files.createDirectories(net.resolve("ve-solo")).resolve("ifindex"), "7\n");
        }), "the child first, then its veth, each some time after the start");
    }

    @Test
    void awaitingTheGuestItEndsQuietlyWhereItCannotRegisterItLeavingThatToExecStartPost() throws Exception {
        Kernel gone = new Kernel();
        gone.children = Map.of("4242", "");
        assertEquals("", run("no", AWAIT, registers("1 7"), gone, (proc, net) -> deleteTree(proc.resolve("4242"))), "nspawn ended before it made its child");
        Kernel noUuid = new Kernel();
        noUuid.nspawnArgs = List.of("systemd-nspawn", "--network-veth");
        assertEquals("", run("no", AWAIT, registers("1 7"), noUuid), "what it never will find: no waiting, no helper");
        Kernel longName = new Kernel();
        longName.links = Map.of();
        List<String> named = new ArrayList<>(AWAIT);
        named.set(4, "a-name-of-twelve");
        assertEquals("", run("no", named, Map.of(), longName), "a veth name nspawn shortens");
        Map<String, Answer> refused = new HashMap<>(registers("1 7"));
        refused.put("RegisterMachineWithNetwork sayssusai solo " + BYTES + " jspawn container 4301 /var/lib/jspawn/solo 1 7",
                Answer.failed("Machine 'solo' already exists"));
        assertEquals("", run("no", AWAIT, refused, new Kernel()), "machined refused");
        assertEquals("", run("yes", AWAIT, registered(Map.of()), new Kernel()), "nspawn registers (258 and later)");
    }

    static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    @Test
    void withoutAHelperWhatTheScriptCannotSettleGoesToTheHelper() throws Exception {
        String helper = "helper called: " + String.join(" ", REGISTER) + "\n";
        Map<String, Answer> taken = Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""));
        assertEquals("solo: registered by the helper: machined has a machine solo already, or did not answer\n" + helper,
                run("no", REGISTER, taken, new Kernel()), "a registration of that name is left (the helper clears a stale one)");
        Kernel noUuid = new Kernel();
        noUuid.nspawnArgs = List.of("systemd-nspawn", "--network-veth", "--", "--uuid=" + ID);
        assertEquals("solo: registered by the helper: systemd-nspawn has no --uuid=\n" + helper, run("no", REGISTER, registers("1 7"), noUuid),
                "only nspawn's own --uuid= counts, not the guest's command line");
        Kernel shortened = new Kernel();
        shortened.links = Map.of();
        assertEquals("solo: registered by the helper: no interface ve-solo\n" + helper, run("no", REGISTER, registers("1 7"), shortened),
                "no such link (a name nspawn shortened)");
        Kernel notOne = new Kernel();
        notOne.nspids = Map.of("4301", "4301");
        assertEquals("solo: registered by the helper: systemd-nspawn (PID 4242) has no child that is PID 1 of a namespace\n" + helper,
                run("no", REGISTER, registers("1 7"), notOne), "a child that is no PID 1 of its own namespace");
        Kernel two = new Kernel();
        two.children = Map.of("4242", "4301 4302 ");
        two.nspids = Map.of("4301", "4301\t1", "4302", "4302\t1");
        assertEquals("solo: registered by the helper: systemd-nspawn has several children that are PID 1 of a namespace\n" + helper,
                run("no", REGISTER, registers("1 7"), two), "two of them");
        Map<String, Answer> refused = new HashMap<>(registers("1 7"));
        refused.put("RegisterMachineWithNetwork sayssusai solo " + BYTES + " jspawn container 4301 /var/lib/jspawn/solo 1 7",
                Answer.failed("Machine 'solo' already exists"));
        assertEquals("solo: registered by the helper: Call failed: Machine 'solo' already exists\n" + helper,
                run("no", REGISTER, refused, new Kernel()), "machined refused it");
    }

    @Test
    void atTheStopAMachineMachinedNoLongerKnowsIsNothingToRemoveAndTheUnitsOwnIsRemoved() throws Exception {
        for (String register : List.of("yes", "no")) {
            assertEquals("Machine solo was not registered.\n", run(register, UNREGISTER, Map.of("GetMachine s solo", Answer.failed("No machine 'solo' known"))));
            Map<String, Answer> ours = Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""),
                    "get-property " + PATH + " Unit", Answer.of("s \"jspawn@solo.service\""), "UnregisterMachine s solo", Answer.of(""));
            assertEquals("Unregistered machine solo.\n", run(register, UNREGISTER, ours), "the unit's own");
            String helper = "helper called: " + String.join(" ", UNREGISTER) + "\n";
            assertEquals(helper, run(register, UNREGISTER, Map.of("GetMachine s solo", Answer.of("o \"" + PATH + "\""),
                    "get-property " + PATH + " Unit", Answer.of("s \"jspawn@other.service\""))), "another unit's: the helper looks whether it still runs");
            assertEquals(helper, run(register, UNREGISTER, Map.of("GetMachine s solo", Answer.failed("Connection timed out"))), "machined did not answer");
            Map<String, Answer> refused = new HashMap<>(ours);
            refused.put("UnregisterMachine s solo", Answer.failed("Access denied"));
            assertEquals(helper, run(register, UNREGISTER, refused), "machined refused");
        }
        assertEquals("helper called: " + String.join(" ", UNREGISTER) + "\n", run("", UNREGISTER, Map.of()), "no environment from the helper");
    }

    /**
     * What the kernel shows of solo's systemd-nspawn (PID 4242) in /proc and of the host's links in /sys/class/net: by
     * default one child, 4301, PID 1 of its namespace, nspawn's command line with a --uuid= and a veth, ve-solo index 7.
     */
    static final class Kernel {
        /** nspawn's threads and their children, as /proc/4242/task/TID/children has them. */
        Map<String, String> children = Map.of("4242", "4301 ");
        /** Each process's NSpid. */
        Map<String, String> nspids = Map.of("4301", "4301\t1");
        List<String> nspawnArgs = List.of("systemd-nspawn", "--uuid=" + ID, "--network-veth", "--machine=solo", "--", "/sbin/init");
        /** Host links and their ifindex. */
        Map<String, String> links = Map.of("ve-solo", "7");

        void write(Path proc, Path net) throws IOException {
            for (var t : children.entrySet()) Files.writeString(Files.createDirectories(proc.resolve("4242/task/" + t.getKey())).resolve("children"), t.getValue());
            for (var n : nspids.entrySet()) {
                Files.writeString(Files.createDirectories(proc.resolve(n.getKey())).resolve("status"), "Name:\tsystemd\nNSpid:\t" + n.getValue() + "\nPPid:\t4242\n");
            }
            Files.writeString(proc.resolve("4242/cmdline"), String.join("\0", nspawnArgs) + "\0");
            for (var l : links.entrySet()) Files.writeString(Files.createDirectories(net.resolve(l.getKey())).resolve("ifindex"), l.getValue() + "\n");
        }
    }

    String run(String register, List<String> args, Map<String, Answer> machined) throws Exception {
        return run(register, args, machined, null);
    }

    /**
     * Runs a copy of the script with JSPAWN_REGISTER set to {@code register} (unset if empty), and with no helper running
     * (no runtime directory of its own) and {@code kernel}'s /proc and /sys/class/net if it is not null; returns what it printed.
     */
    String run(String register, List<String> args, Map<String, Answer> machined, Kernel kernel) throws Exception {
        return run(register, args, machined, kernel, null);
    }

    /** What the kernel then changes, 100 ms after the script started. */
    interface Later {
        void run(Path proc, Path net) throws Exception;
    }

    String run(String register, List<String> args, Map<String, Answer> machined, Kernel kernel, Later later) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "case");
        Path copy = dir.resolve("jspawn-register"), call = dir.resolve("jspawn-call"), busctl = dir.resolve("busctl");
        Path proc = dir.resolve("proc"), net = dir.resolve("net");
        if (kernel != null) kernel.write(proc, net);
        // No helper running: no runtime directory, and jspawn-call --if-running exits with 75.
        Path runtime = dir.resolve("helper-runtime");
        if (kernel == null) Files.createDirectory(runtime);
        Files.writeString(call, "#!/bin/sh\n" + (kernel != null ? "[ \"$1\" != --if-running ] || exit 75\n" : "") + "echo \"helper called: $*\"\n");
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
                .replace("/usr/bin/busctl", busctl.toString()).replace("proc=/proc net=/sys/class/net", "proc=" + proc + " net=" + net)
                .replace(HelperContract.RUNTIME_DIRECTORY, runtime.toString()));
        List<String> command = new ArrayList<>(List.of("sh", copy.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove(HelperContract.REGISTER_VARIABLE);
        if (!register.isEmpty()) pb.environment().put(HelperContract.REGISTER_VARIABLE, register);
        Process p = pb.start();
        if (later != null) {
            Thread.sleep(100);
            later.run(proc, net);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** The stub's key for a method of machined's manager, or a get-property of an object. */
    static String key(String what) {
        return what.startsWith("get-property ") ? what : "call " + what;
    }
}
