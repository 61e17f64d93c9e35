package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;
import dev.jspawn.machined.HostBus;
import picocli.CommandLine;

class JspawnCommandTest {

    @TempDir
    Path tmp;

    Path etc;
    final FakeBus bus = new FakeBus();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** machined and systemd in memory; the real ones are used by the integration tests. */
    static final class FakeBus implements HostBus {
        final Map<String, MachineInfo> machines = new HashMap<>();
        final Map<String, UnitInfo> units = new HashMap<>();
        final List<Registration> registered = new ArrayList<>();

        @Override
        public Optional<MachineInfo> machine(String name) {
            return Optional.ofNullable(machines.get(name));
        }

        @Override
        public void registerMachine(Registration r) {
            registered.add(r);
            machines.put(r.machine(), new MachineInfo(r.machine(), "running", r.leader(), "jspawn@x.service", r.rootDirectory()));
        }

        @Override
        public boolean unregisterMachine(String name) {
            return machines.remove(name) != null;
        }

        @Override
        public Optional<String> unitOfProcess(long pid) {
            return Optional.ofNullable(unitOf.get(pid));
        }

        @Override
        public UnitInfo unit(String name) {
            return units.getOrDefault(name, new UnitInfo(name, "loaded", "inactive", "dead"));
        }

        /** The names of each units() call, in order, and the thread it came from. */
        final List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public Map<String, UnitInfo> units(List<String> names) {
            asked.add(Thread.currentThread().getName() + ": " + names);
            return HostBus.super.units(names);
        }

        /** Where each unit was loaded from; a unit not here has no SourcePath= (no generator wrote a drop-in for it). */
        final Map<String, UnitSource> sources = new HashMap<>();

        @Override
        public UnitSource unitSource(String name) {
            return sources.getOrDefault(name, new UnitSource("", List.of()));
        }

        @Override
        public java.util.Set<String> machineNames() {
            return machines.keySet();
        }

        int systemdVersion = 252;
        final Map<Long, String> unitOf = new HashMap<>();

        @Override
        public int systemdVersion() {
            return systemdVersion;
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        Files.createDirectories(tmp.resolve("images/default-ns-1"));
        Files.writeString(etc.resolve("child_apache.jspawn"), "[Container]\nBase=default-ns-1\nImageRoot=" + tmp.resolve("images") + "\n");
        Files.createDirectories(etc.resolve("child_apache.jspawn.d"));
        Files.writeString(etc.resolve("child_apache.jspawn.d/10-port.conf"), "[Network]\nPort=8080:80\n");
        Files.writeString(etc.resolve("broken.jspawn"), "[Container]\nBase=a,b\n");
        generated("child_apache");
    }

    /** What systemd has after the generator made NAME's units: its drop-in, written now, and its SourcePath=. */
    Path generated(String name) throws IOException {
        Path dropIn = tmp.resolve("generator/jspawn@" + name + ".service.d/" + dev.jspawn.generator.Converter.DROP_IN);
        Files.createDirectories(dropIn.getParent());
        Files.writeString(dropIn, "[Unit]\nSourcePath=" + etc.resolve(name + ".jspawn") + "\n");
        bus.sources.put("jspawn@" + name + ".service", new HostBus.UnitSource(etc.resolve(name + ".jspawn").toString(),
                List.of("/usr/lib/systemd/system/jspawn@.service.d/x.conf", dropIn.toString())));
        return dropIn;
    }

    int run(String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), () -> bus, tmp.resolve("proc")));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void parsesRegisterArguments() {
        RegisterCommand r = CommandLine.populateCommand(new RegisterCommand(), "--directory=/var/lib/jspawn/a", "child-apache", "1234");
        assertEquals("/var/lib/jspawn/a", r.directory);
        assertEquals("child-apache", r.machine);
        assertEquals(1234, r.mainPid);
        assertEquals(5000, r.timeoutMillis);
    }

    @Test
    void usageErrorsExit2WithAHint() {
        assertEquals(2, run("register", "child-apache", "notapid"));
        assertTrue(err.toString().startsWith("jspawn: "), err.toString());
        assertTrue(err.toString().contains("Run 'jspawn register --help' for usage."), err.toString());
    }

    @Test
    void anUnknownOptionIsTheReasonGivenNotAMissingName() {
        assertEquals(2, run("create", "-x"));
        assertEquals("jspawn: Unknown option: '-x'\nRun 'jspawn create --help' for usage.\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("remove", "--purg"));
        assertEquals("jspawn: Unknown option: '--purg'\nRun 'jspawn remove --help' for usage.\n", err.toString());
        // Every command, whatever its required options and parameters: the unknown option is the reason.
        List<CommandLine> commands = new ArrayList<>(Jspawn.commandLine(null).getSubcommands().values());
        for (int i = 0; i < commands.size(); i++) commands.addAll(commands.get(i).getSubcommands().values());
        commands.removeIf(c -> c.getCommand() instanceof CommandLine.HelpCommand); // "help -x" shows the usage, as it should
        for (CommandLine c : commands) {
            String name = c.getCommandSpec().qualifiedName(" ");
            List<String> args = new ArrayList<>(List.of(name.split(" ")).subList(1, name.split(" ").length));
            args.add("-x");
            err.getBuffer().setLength(0);
            assertEquals(2, run(args.toArray(String[]::new)), name);
            assertEquals("jspawn: Unknown option: '-x'\nRun '" + name + " --help' for usage.\n", err.toString(), name);
        }
        assertTrue(commands.size() > 20, "every subcommand was tried: " + commands.size());
    }

    @Test
    void aNameThatLooksLikeAnOptionNeverBecomesAContainer() {
        assertEquals(1, run("create", "--base", "default-ns-1", "--", "-x"));
        assertTrue(err.toString().startsWith("jspawn: container name \"-x\" is not allowed"), err.toString());
        assertFalse(Files.exists(etc.resolve("-x.jspawn")));
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("list", "status", "cat", "verify", "create", "remove", "prune", "restore", "register", "unregister")) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(sub, "--help"), sub);
            assertTrue(out.toString().startsWith("Usage: jspawn " + sub), out.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "upgrade", "--help"));
        assertTrue(out.toString().startsWith("Usage: jspawn base upgrade"), out.toString());
    }

    @Test
    void verifyReportsEveryErrorAndExits1() {
        assertEquals(1, run("verify"));
        assertEquals(etc.resolve("broken.jspawn") + ":2: [Container] Base=: name \"a,b\" is refused: ',' would end the mount option; "
                + "Base= takes a directory name under the image root or an absolute path\n", err.toString());
    }

    @Test
    void verifyOfAGoodFileIsSilentAndExits0() {
        assertEquals(0, run("verify", etc.resolve("child_apache.jspawn").toString()));
        assertEquals("", err.toString() + out.toString());
    }

    @Test
    void verifyChecksThatEveryBaseOfTheChainExists() throws IOException {
        Files.writeString(etc.resolve("web-base.base"), "[Base]\nBase=default-ns-1\n");
        Files.writeString(etc.resolve("web.jspawn"), "[Container]\nBase=web-base\nImageRoot=" + tmp.resolve("images") + "\n");
        assertEquals(1, run("verify", etc.resolve("web.jspawn").toString()));
        assertEquals(etc.resolve("web.jspawn") + ": base directory " + tmp.resolve("images/web-base") + " does not exist; make it with"
                + " 'jspawn base create web-base' (with --image-root " + tmp.resolve("images") + ")\n", err.toString());
        Files.createDirectories(tmp.resolve("images/web-base"));
        err.getBuffer().setLength(0);
        assertEquals(0, run("verify", etc.resolve("web.jspawn").toString()), err.toString());
    }

    @Test
    void verifyNamesACurrentVersionThatIsGoneAndTheRollback() throws IOException {
        Path images = tmp.resolve("images");
        Files.createDirectories(images.resolve(".jspawn/bases/b/v1"));
        Files.createSymbolicLink(images.resolve("b"), Path.of(".jspawn/bases/b/v2"));
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + images + "\n");
        assertEquals(1, run("verify", etc.resolve("c.jspawn").toString()));
        assertEquals(etc.resolve("c.jspawn") + ": base b's current version v2 is missing; make v1 current with 'jspawn base rollback b'"
                + " (with --image-root " + images + ")\n", err.toString());
    }

    @Test
    void verifyWarnsOfABaseThatStillCarriesAMachineId() throws IOException {
        Files.createDirectories(tmp.resolve("images/default-ns-1/etc"));
        Files.writeString(tmp.resolve("images/default-ns-1/etc/machine-id"), "0c65619b0c65619b0c65619b0c65619b\n");
        assertEquals(0, run("verify", etc.resolve("child_apache.jspawn").toString()), "a warning, not an error");
        assertEquals(etc.resolve("child_apache.jspawn") + ": warning: its base carries machine ID 0c65619b0c65619b0c65619b0c65619b in"
                + " /etc/machine-id, which every child of it would share; blank it with: jspawn base update BASE -- true\n", err.toString());
        Files.writeString(tmp.resolve("images/default-ns-1/etc/machine-id"), "");
        err.getBuffer().setLength(0);
        assertEquals(0, run("verify", etc.resolve("child_apache.jspawn").toString()));
        assertEquals("", err.toString(), "a blank base: nothing to say");
    }

    @Test
    void verifyOfAMissingFileFails() {
        assertEquals(1, run("verify", etc.resolve("nope.jspawn").toString()));
        assertTrue(err.toString().contains("nope.jspawn: no such file"), err.toString());
    }

    @Test
    void catPrintsTheFileAndItsDropIns() {
        assertEquals(0, run("cat", "child-apache"));
        assertEquals("# " + etc.resolve("child_apache.jspawn") + "\n[Container]\nBase=default-ns-1\nImageRoot=" + tmp.resolve("images") + "\n\n# "
                + etc.resolve("child_apache.jspawn.d/10-port.conf") + "\n[Network]\nPort=8080:80\n", out.toString());
    }

    @Test
    void catNamesADropInItCannotShowAndShowsTheRest() throws Exception {
        Path fifo = etc.resolve("child_apache.jspawn.d/05-fifo.conf");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        Path big = etc.resolve("child_apache.jspawn.d/07-big.conf");
        Files.write(big, new byte[dev.jspawn.syntax.ConfigFiles.MAX_SIZE + 1]);
        // A hang guard, not a speed test: opening a FIFO with no writer blocks until one comes.
        int rc = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> run("cat", "child-apache"));
        assertEquals(1, rc, "something could not be shown");
        assertEquals("# " + etc.resolve("child_apache.jspawn") + "\n[Container]\nBase=default-ns-1\nImageRoot=" + tmp.resolve("images") + "\n\n# "
                + etc.resolve("child_apache.jspawn.d/10-port.conf") + "\n[Network]\nPort=8080:80\n", out.toString());
        assertEquals(fifo + ": is a FIFO, not a regular file\n" + big + ": is larger than 1 MiB: not a configuration file\n", err.toString());
    }

    @Test
    void listShowsEachContainerAndFlagsInvalidOnes() {
        bus.units.put("jspawn@child_apache.service", new HostBus.UnitInfo("jspawn@child_apache.service", "loaded", "active", "running"));
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 42, "jspawn@child_apache.service", "/x"));
        assertEquals(0, run("list"));
        String text = out.toString();
        assertTrue(text.contains("broken        -             invalid config (see: jspawn verify " + etc.resolve("broken.jspawn") + ")"), text);
        assertTrue(text.matches("(?s).*child_apache +child-apache +active \\(running\\) +inactive \\(dead\\) +running +- +- +none +-\n.*"), text);
        assertTrue(text.endsWith("2 containers listed.\n"), text);
    }

    @Test
    void listAsksForTheServicesBesideReadingTheFilesAndForTheMountsAfter() throws IOException {
        Files.writeString(etc.resolve("no name.jspawn"), "[Container]\nBase=default-ns-1\n");
        assertEquals(0, run("list", "--no-legend"));
        // The services by the files' names, on the thread that connects (none of a file whose name is no container name: systemd
        // would refuse the whole call); the mounts once the files are read, of the valid ones only.
        assertEquals(2, bus.asked.size(), bus.asked.toString());
        assertEquals("jspawn-list-bus: [jspawn@broken.service, jspawn@child_apache.service]", bus.asked.get(0));
        assertTrue(bus.asked.get(1).endsWith("-images-child_apache.mount]") && !bus.asked.get(1).startsWith("jspawn-list-bus"), bus.asked.toString());
        assertTrue(err.toString().contains(etc.resolve("no name.jspawn") + ": container name \"no name\" is not allowed"), err.toString());
    }

    @Test
    void listSaysOnceWhyItCouldNotAskTheBus() {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), () -> {
            throw new HostBus.Failure("Failed to connect to the system bus: no socket", null);
        }, tmp.resolve("proc")));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(1, cl.execute("list"));
        assertEquals("", out.toString());
        assertTrue(err.toString().endsWith("jspawn: Failed to connect to the system bus: no socket\n"), err.toString());
        assertEquals(1, err.toString().split("Failed to connect", -1).length - 1, err.toString());
    }

    @Test
    void statusAcceptsEitherSpellingAndExitsAsSystemctlStatus() {
        assertEquals(3, run("status", "child_apache"), "not running: 3, as systemctl status");
        String byName = out.toString();
        out.getBuffer().setLength(0);
        assertEquals(3, run("status", "child-apache"));
        assertEquals(byName, out.toString());
        assertTrue(byName.contains("Machine: not registered"), byName);
        assertTrue(byName.contains("Network: veth, ports 8080:80"), byName);
    }

    @Test
    void statusOfARunningContainerExits0AndShowsItAsJson() {
        bus.units.put("jspawn@child_apache.service", new HostBus.UnitInfo("jspawn@child_apache.service", "loaded", "active", "running"));
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 42, "jspawn@child_apache.service", "/x"));
        assertEquals(0, run("status", "--json", "child-apache"));
        assertEquals("{\"container\":\"child_apache\",\"machine\":\"child-apache\",\"config\":[\"" + etc.resolve("child_apache.jspawn") + "\",\""
                + etc.resolve("child_apache.jspawn.d/10-port.conf") + "\"],\"template\":[],\"base\":[\"" + tmp.resolve("images/default-ns-1")
                + "\"],\"root\":\"" + tmp.resolve("images/child_apache") + "\",\"upper\":\"" + tmp.resolve("images/child_apache_up")
                + "\",\"work\":\"" + tmp.resolve("images/child_apache_work") + "\",\"uid_range_start\":null,\"user_namespace\":null,"
                + "\"network\":{\"mode\":\"veth\",\"bridge\":null,\"zone\":null,\"ports\":[\"8080:80\"]},\"unit\":\"active\",\"unit_sub\":\"running\","
                + "\"mount\":\"inactive\",\"mount_sub\":\"dead\",\"machine_state\":\"running\",\"generated\":\"yes\",\"base_version\":null,\"base_current\":null,"
                + "\"leader\":42,\"addresses\":[],\"command\":\"the guest's init (Boot=yes)\",\"health\":\"none\"}\n", out.toString());
    }

    @Test
    void statusReadsOnlyItsOwnFilesAndSaysWhatTheGeneratorMadeOfThem() throws IOException {
        // dup claims child_apache's machine name, and came after child_apache's units were generated (dup has none): status
        // shows each from its own files, and says which one has no units.
        Files.writeString(etc.resolve("dup.jspawn"), "[Container]\nBase=default-ns-1\nImageRoot=" + tmp.resolve("images")
                + "\nMachineName=child-apache\n");
        assertEquals(3, run("status", "child_apache"));
        assertTrue(out.toString().startsWith("child_apache (machine child-apache)\n   Config: " + etc.resolve("child_apache.jspawn")
                + "\n           " + etc.resolve("child_apache.jspawn.d/10-port.conf") + "\n     Base: "), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(3, run("status", "dup"));
        assertTrue(out.toString().contains("\n  Warning: no units were generated from it at the last daemon-reload (it conflicts with another"
                + " container, or it was added or fixed since): jspawn verify says why; then run: systemctl daemon-reload\n"), out.toString());
        out.getBuffer().setLength(0);
        run("status", "--json", "dup");
        assertTrue(out.toString().contains("\"generated\":\"no\""), out.toString());
        assertEquals(1, run("verify"), "verify still checks each file against the others");

        // A drop-in edited after the generator ran (here: the generator's output made older than it): outdated until a daemon-reload.
        Path dropIn = tmp.resolve("generator/jspawn@child_apache.service.d/" + dev.jspawn.generator.Converter.DROP_IN);
        Files.setLastModifiedTime(dropIn, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(etc.resolve("child_apache.jspawn.d/10-port.conf")).toMillis() - 1000));
        out.getBuffer().setLength(0);
        run("status", "child_apache");
        assertTrue(out.toString().contains("\n  Warning: its files changed since its units were generated: run systemctl daemon-reload\n"),
                out.toString());
        out.getBuffer().setLength(0);
        run("status", "--json", "child_apache");
        assertTrue(out.toString().contains("\"generated\":\"outdated\""), out.toString());
        generated("child_apache"); // the daemon-reload
        out.getBuffer().setLength(0);
        run("status", "child_apache");
        assertFalse(out.toString().contains("Warning"), out.toString());
    }

    @Test
    void statusAndListNameTheVersionTheMountedChildRunsAndTheCurrentOne() throws IOException {
        Path images = tmp.resolve("images");
        for (String v : List.of("v1", "v2")) {
            Files.createDirectories(images.resolve(".jspawn/bases/b/" + v + "/etc"));
            Files.writeString(images.resolve(".jspawn/bases/b/" + v + "/etc/os-release"), v + "\n");
        }
        Files.createSymbolicLink(images.resolve("b"), Path.of(".jspawn/bases/b/v2"));
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + images + "\n");
        assertEquals(3, run("status", "c"));
        assertTrue(out.toString().contains("Base: " + images.resolve("b") + " (current: v2)\n"), "not mounted: only the current one\n" + out);

        // Its overlay is mounted over v1 (what it shows has v1's files; the mount table says it is mounted).
        Files.createDirectories(images.resolve("c/etc"));
        Files.createLink(images.resolve("c/etc/os-release"), images.resolve(".jspawn/bases/b/v1/etc/os-release"));
        Files.createDirectories(images.resolve("c_up"));
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "90 30 0:50 / " + images.resolve("c") + " rw - overlay overlay rw,lowerdir=x\n");
        out.getBuffer().setLength(0);
        run("status", "c");
        assertTrue(out.toString().contains("Base: " + images.resolve("b") + " (v1 in use; v2 is current: restart it to run v2)\n"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("list", "--no-legend"));
        assertTrue(out.toString().matches("(?s).*\nc +c +inactive \\(dead\\) .* v1 \\(v2 is current\\)\n.*"), out.toString());
        out.getBuffer().setLength(0);
        run("status", "--json", "c");
        assertTrue(out.toString().contains("\"base_version\":\"v1\",\"base_current\":\"v2\""), out.toString());

        Files.delete(images.resolve("b"));
        Files.createSymbolicLink(images.resolve("b"), Path.of(".jspawn/bases/b/v3"));
        out.getBuffer().setLength(0);
        run("status", "--json", "c");
        assertTrue(out.toString().contains("\"base_version\":\"v1\",\"base_current\":\"missing\""), "a dangling link: " + out);
    }

    @Test
    void listAsJsonAndWithoutLegend() {
        bus.units.put("jspawn@child_apache.service", new HostBus.UnitInfo("jspawn@child_apache.service", "loaded", "active", "running"));
        assertEquals(0, run("list", "--json"));
        String json = out.toString();
        assertTrue(json.startsWith("[{\"container\":\"broken\",\"config\":\"" + etc.resolve("broken.jspawn") + "\",\"valid\":false,\"machine\":null,"
                + "\"unit\":null,\"unit_sub\":null,\"mount\":null,\"mount_sub\":null,\"machine_state\":null,\"upper_bytes\":null,"
                + "\"uid_range_start\":null,\"user_namespace\":null,\"base_version\":null,\"base_current\":null,\"health\":null},{\"container\":\"child_apache\""), json);
        assertTrue(json.contains("\"base_current\":null,\"health\":\"none\"}]"), "no check: none " + json);
        assertTrue(json.contains("\"valid\":true,\"machine\":\"child-apache\",\"unit\":\"active\",\"unit_sub\":\"running\""), json);
        assertTrue(json.endsWith("}]\n"), json);
        out.getBuffer().setLength(0);
        assertEquals(0, run("list", "--no-legend", "--no-pager"));
        String text = out.toString();
        assertTrue(text.startsWith("broken ") && !text.contains("CONTAINER") && !text.contains("listed"), text);
        assertEquals(2, text.lines().count(), text);
    }

    @Test
    void versionIsTheReleaseAndTheCommit() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().matches("jspawn [0-9]+\\.[0-9]+\\.[0-9]+( \\(git [0-9a-f]{7,}(, with uncommitted changes)?\\))?\n"), out.toString());
        assertTrue(new java.io.File("../.git").exists() == out.toString().contains("(git "), "the commit, when built from a git checkout");
    }

    @Test
    void unknownContainerNamesTheSearchPath() {
        assertEquals(4, run("status", "nginx"), "no such container: 4, as systemctl status of no such unit");
        assertEquals("jspawn: No container nginx: no nginx.jspawn in " + etc + ", and no container has that machine name\n", err.toString());
    }

    /**
     * A /proc in which systemd-nspawn runs as PID 100 with {@code children} ("101 ", or "" before the guest starts), each
     * PID 1 of a PID namespace of its own (its status's NSpid ends in 1), as nspawn's child is.
     */
    static Path fakeNspawn(Path proc, String children) throws IOException {
        Files.createDirectories(proc.resolve("100/task/100"));
        Files.writeString(proc.resolve("100/task/100/children"), children);
        for (String c : children.trim().split(" ")) {
            if (c.isEmpty()) continue;
            Files.createDirectories(proc.resolve(c));
            Files.writeString(proc.resolve(c + "/status"), "Name:\tsystemd\nNSpid:\t" + c + "\t1\n");
        }
        return proc;
    }

    @Test
    void onSystemd258AndLaterRegisterOnlyConfirmsThatNspawnRegisteredTheGuest() throws IOException {
        fakeNspawn(tmp.resolve("proc"), "101 ");
        bus.systemdVersion = 262;
        bus.unitOf.put(100L, "jspawn@child_apache.service");
        assertEquals(1, run("register", "--directory=/var/lib/jspawn/child_apache", "child-apache", "100"));
        assertTrue(err.toString().contains("Machine child-apache is not registered as jspawn@child_apache.service's: systemd-nspawn"
                + " (--register=yes) should have registered it"), err.toString());
        bus.machines.put("child-apache", new HostBus.MachineInfo("child-apache", "running", 101, "jspawn@child_apache.service", "/x"));
        err.getBuffer().setLength(0);
        assertEquals(0, run("register", "--directory=/var/lib/jspawn/child_apache", "child-apache", "100"), err.toString());
        assertEquals("Machine child-apache registered by systemd-nspawn (leader 101).\n", out.toString());
        assertEquals(List.of(), bus.registered, "the helper registers nothing itself: machined would make it the supervisor");
    }

    @Test
    void registerFindsLeaderMachineIdAndHostInterfaceFromProc() throws IOException {
        Path proc = fakeNspawn(tmp.resolve("proc"), "101 ");
        // nspawn's own options: the ID jspawn gave it, which the guest's init takes while its /etc/machine-id is empty
        Files.writeString(proc.resolve("100/cmdline"), "/usr/bin/systemd-nspawn\0--uuid=126e9ba9-e7f0-4578-b59c-c29d17d7bb3f\0--boot\0");
        Files.createDirectories(proc.resolve("101/root/etc"));
        Files.writeString(proc.resolve("101/root/etc/machine-id"), "\n");
        assertEquals(0, run("register", "--directory=/var/lib/jspawn/child_apache", "child-apache", "100"), err.toString());
        HostBus.Registration r = bus.registered.get(0);
        assertEquals("child-apache", r.machine());
        assertEquals(101, r.leader());
        assertEquals("/var/lib/jspawn/child_apache", r.rootDirectory());
        assertArrayEquals(new int[0], r.ifindices(), "no veth: no host0 is looked for (a veth's is in the runtime's GuestTest)");
        assertArrayEquals(HexFormat.of().parseHex("126e9ba9e7f04578b59cc29d17d7bb3f"), r.id());
        assertEquals("Registered machine child-apache (leader 101).\n", out.toString());
    }

    @Test
    void aGuestsFifoOrEndlessFileNeitherBlocksNorFillsTheRegistrar() throws Exception {
        Path proc = fakeNspawn(tmp.resolve("proc"), "101 ");
        Files.writeString(proc.resolve("100/cmdline"), "/usr/bin/systemd-nspawn\0--network-veth\0");
        Files.createDirectories(proc.resolve("101/root/etc"));
        assertEquals(0, new ProcessBuilder("mkfifo", proc.resolve("101/root/etc/machine-id").toString()).start().waitFor());
        Files.createDirectories(proc.resolve("101/root/sys/class/net/host0"));
        Files.createSymbolicLink(proc.resolve("101/root/sys/class/net/host0/iflink"), Path.of("/dev/zero"));
        long t0 = System.nanoTime();
        assertEquals(0, run("register", "--directory=/var/lib/jspawn/child_apache", "child-apache", "100"), err.toString());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "did not wait for a writer");
        HostBus.Registration r = bus.registered.get(0);
        assertEquals(0, r.id().length, "no ID from a FIFO");
        assertEquals(0, r.ifindices().length, "no interface from /dev/zero");
    }

    @Test
    void registerWithoutAGuestFailsClearly() throws IOException {
        fakeNspawn(tmp.resolve("proc"), "");
        assertEquals(1, run("register", "--timeout=100", "--directory=/x", "m", "100"));
        assertEquals("jspawn: systemd-nspawn (PID 100) has no child: the guest did not start\n", err.toString());
    }

    @Test
    void noConfigExplainsMissingAndInvalidFiles() {
        assertEquals(1, run("no-config", "nginx"));
        assertTrue(err.toString().startsWith("jspawn: no container nginx: there is no nginx.jspawn in " + etc), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("no-config", "broken"));
        assertTrue(err.toString().contains("is invalid, so no units were generated for it:\n  " + etc.resolve("broken.jspawn") + ":2:"), err.toString());
    }

    @Test
    void noConfigOfAnUndeclaredInstanceSaysHowToDeclareIt() throws IOException {
        Files.writeString(etc.resolve("shop@.jspawn"), "[Container]\nBase=/srv/base\n");
        assertEquals(1, run("no-config", "shop@9"));
        assertEquals("jspawn: no container shop@9: an instance of the template " + etc.resolve("shop@.jspawn") + " needs a file of its own"
                + " (the generator writes units per container): ln -s shop@.jspawn " + etc.resolve("shop@9.jspawn")
                + ", then run: systemctl daemon-reload\n", err.toString());
    }
}
