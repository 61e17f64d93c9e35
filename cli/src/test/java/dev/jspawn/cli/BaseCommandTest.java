package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;
import dev.jspawn.images.Trees;
import dev.jspawn.machined.HostBus;
import picocli.CommandLine;

/** base update's refusals and its clean-up, with a recording runner (the real cycle runs in EndToEndIT). */
class BaseCommandTest {

    @TempDir
    Path tmp;

    Path etc, root;
    final List<String> ran = new ArrayList<>();
    final List<List<String>> commands = new ArrayList<>();
    int nspawnStatus = 0;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        root = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(root.resolve("debian/etc"));
        Files.writeString(root.resolve("debian/etc/os-release"), "ID=debian\n");
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
    }

    /** systemd as the commands see it: the units' states, and the systemctl calls (which change them). */
    final JspawnCommandTest.FakeBus bus = new JspawnCommandTest.FakeBus();
    final List<String> systemctl = new ArrayList<>();

    final Context.Systemctl recordingSystemctl = args -> {
        systemctl.add(String.join(" ", args));
        if (args.length == 2 && (args[0].equals("start") || args[0].equals("stop"))) {
            boolean start = args[0].equals("start");
            bus.units.put(args[1], new HostBus.UnitInfo(args[1], "loaded", start ? "active" : "inactive", start ? "running" : "dead"));
        }
        return 0;
    };

    /** Run once, when the runner is asked to run systemd-nspawn (base update's command, inside unshare's mount namespace), if set. */
    Runnable duringUpdate = null;

    /** cp on a disk that is full: this many files it could not write (0: a disk with room). */
    int diskFullFiles = 0;

    /** Runs cp for real (unless the disk is "full"), and records what it was asked to run. */
    final Context.Runner runner = new Context.Runner() {
        @Override
        public int run(List<String> cmd) {
            ran.add(cmd.get(0));
            commands.add(cmd);
            if (cmd.get(0).equals("cp")) {
                try {
                    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            if (cmd.contains("systemd-nspawn") && duringUpdate != null) {
                Runnable r = duringUpdate;
                duringUpdate = null;
                r.run();
            }
            return nspawnStatus;
        }

        @Override
        public int runWithErrors(List<String> cmd, java.util.function.Consumer<String> errors) {
            if (diskFullFiles == 0 || !cmd.get(0).equals("cp")) return run(cmd);
            ran.add(cmd.get(0));
            for (int i = 0; i < diskFullFiles; i++) {
                errors.accept("cp: error copying '" + cmd.get(cmd.size() - 2) + "/usr/share/doc/f" + i + "' to '" + cmd.get(cmd.size() - 1)
                        + "/usr/share/doc/f" + i + "': No space left on device");
            }
            return 1;
        }
    };

    int run(String... args) {
        return run(new PrintWriter(err), args);
    }

    int run(PrintWriter errTo, String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), () -> bus, tmp.resolve("proc"), recordingSystemctl, runner));
        cl.setOut(new PrintWriter(out));
        cl.setErr(errTo);
        return cl.execute(args);
    }

    @Test
    void aFailingCommandLeavesTheBaseAndNoHalfVersion() throws IOException {
        nspawnStatus = 3;
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "debian", "--", "apt-get", "-y", "full-upgrade"));
        assertEquals("jspawn: apt-get -y full-upgrade failed (exit status 3); the base is unchanged\n", err.toString());
        assertEquals(List.of("unshare"), ran, "nothing copied: the command ran on an overlay of v1");
        assertEquals(Path.of(".jspawn/bases/debian/v1"), Files.readSymbolicLink(root.resolve("debian")), "adopted, still v1");
        try (var s = Files.list(root.resolve(".jspawn/bases/debian"))) {
            assertEquals(List.of("v1"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aLayerWhoseBaseFileIsInvalidIsRefusedBeforeAnythingRuns() throws IOException {
        Files.createDirectories(root.resolve("web/etc"));
        Files.writeString(etc.resolve("web.base"), "[Base]\nBase=debian\nOops=1\n");
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "web", "--", "true"));
        assertTrue(err.toString().startsWith("jspawn: base web: base web is defined in " + etc.resolve("web.base") + ", which is invalid"), err.toString());
        assertEquals(List.of(), ran);
        assertFalse(Files.isSymbolicLink(root.resolve("web")), "not even adopted");
    }

    @Test
    void anUnknownBaseIsNamed() {
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "nope", "--", "true"));
        assertEquals("jspawn: no base nope in " + root + "\n", err.toString());
    }
    /** Holds the fcntl lock on a file from another JVM (fcntl locks are per process), until destroyed. */
    static Process holdLock(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String jvm = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(jvm, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        assertEquals("locked", new String(p.getInputStream().readNBytes(6), java.nio.charset.StandardCharsets.UTF_8));
        return p;
    }

    /** The other process: takes the lock as jspawn does (FileChannel.lock), says so, and holds it until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (var ch = java.nio.channels.FileChannel.open(Path.of(args[0]), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE); var lock = ch.lock()) {
                System.out.print("locked");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }

    @Test
    void aBaseBeingChangedByAnotherCommandIsRefusedWithNoBlockAndWaitedForWithout() throws Exception {
        Path lock = tmp.resolve("run/jspawn/locks/base-" + java.net.URLEncoder.encode(root.resolve("debian").toString(),
                java.nio.charset.StandardCharsets.UTF_8) + ".lock");
        Process holder = holdLock(lock);
        try {
            assertEquals(1, run("base", "--image-root", root.toString(), "update", "--no-block", "debian", "--", "true"));
            assertEquals("jspawn: base debian is being changed by another jspawn command; try again later (or leave out --no-block to wait)\n",
                    err.toString());
            assertEquals(List.of(), ran, "nothing ran");
            assertFalse(Files.isSymbolicLink(root.resolve("debian")), "nothing was touched, not even adopted");
            assertEquals(1, run("base", "--image-root", root.toString(), "rollback", "--no-block", "debian"));
            assertEquals(1, run("base", "--image-root", root.toString(), "gc", "--no-block", "debian"));
            // Without --no-block it waits, saying so, and goes on when the other command is done.
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    return;
                }
                holder.destroy();
            });
            release.start();
            assertEquals(0, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"), err.toString());
            release.join();
            assertTrue(err.toString().endsWith("jspawn: waiting for another jspawn command to finish with base debian...\n"), err.toString());
            assertEquals(Path.of(".jspawn/bases/debian/v2"), Files.readSymbolicLink(root.resolve("debian")));
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void unknownBasesAlwaysFail() {
        assertEquals(1, run("base", "--image-root", root.toString(), "gc", "nosuch"));
        assertEquals("jspawn: no base nosuch in " + root + "\n", err.toString());
        assertEquals(1, run("base", "--image-root", root.toString(), "rollback", "nosuch"));
        assertEquals(1, run("base", "--image-root", root.toString(), "versions", "nosuch"));
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "nosuch", "--", "true"));
    }

    @Test
    void withoutRootAChangingCommandSaysSoInOneLine() throws IOException {
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(tmp.resolve("proc/self/status"), "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\n");
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"));
        assertEquals("jspawn: 'jspawn base update' needs root (it changes containers, bases or systemd's units); run it with sudo\n", err.toString());
        assertEquals(List.of(), ran);
        assertEquals(0, run("base", "--image-root", root.toString(), "list"), "looking needs no root");
    }
    @Test
    void listAndVersionsAsJsonAndWithoutLegend() throws IOException {
        assertEquals(0, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "versions", "--json", "debian"));
        assertTrue(out.toString().matches("\\[\\{\"version\":\"v1\",\"current\":false,\"size_bytes\":[0-9]+,\"layers\":\\[],\"image\":null,\"used_by\":\\[]},"
                + "\\{\"version\":\"v2\",\"current\":true,\"size_bytes\":[0-9]+,\"layers\":\\[\"v1\",\"local-[0-9a-f]{32}\"],\"image\":null,\"used_by\":\\[]}]\n"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "list", "--json"));
        assertTrue(out.toString().matches("\\[\\{\"base\":\"debian\",\"current\":\"v2\",\"versions\":2,\"size_bytes\":[0-9]+,\"image\":null,\"children\":\\[.*]}]\n"),
                out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "versions", "--no-legend", "debian"));
        assertTrue(out.toString().matches("v1 +[0-9.]+[BKMG] +tree +-\nv2 +yes +[0-9.]+[BKMG] +2 +-\n"), out.toString());
    }

    @Test
    void anUpgradeSkipsAChildThatWasNeverStarted() throws IOException {
        Files.writeString(etc.resolve("fresh.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        assertEquals(0, run("base", "--image-root", root.toString(), "upgrade", "--no-rollback", "debian", "--", "true"), err.toString());
        assertTrue(out.toString().contains("\n  fresh: skipped: never started (no upper dir, nothing to prune)\n"), out.toString());
    }

    @Test
    void aRolloutSaysWhatBecameOfEachChildAndOfItself() throws IOException {
        Files.writeString(etc.resolve("fresh.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        assertEquals(0, run("base", "--image-root", root.toString(), "upgrade", "debian", "--", "true"), err.toString());
        assertTrue(out.toString().contains("\n  fresh: never started (no upper dir): nothing to prune; it starts on v2 once that is current\n"
                + "The rollout finished: v2 is current, and every child is on it.\n"), out.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("base", "--image-root", root.toString(), "upgrade", "debian"));
        assertEquals("jspawn: no rollout of debian to finish; give the command that updates it: jspawn base upgrade debian -- CMD\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("base", "--image-root", root.toString(), "upgrade", "--prefer-base", "debian", "--", "true"));
        assertTrue(err.toString().startsWith("jspawn: --prefer-base moves the children's changed files away, which a rollback would not bring back;"
                + " use it with --no-rollback\n"), err.toString());
    }

    private void startWeb() {
        bus.units.put("jspawn@web.service", new HostBus.UnitInfo("jspawn@web.service", "loaded", "active", "running"));
    }

    @Test
    void anUpgradeStartsAgainTheChildrenItsPruneStoppedThoughTheyStartedAfterTheUpgradeBegan() throws Exception {
        Files.writeString(etc.resolve("web.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        Files.createDirectories(root.resolve("web_up")); // it has run: there is something to prune
        String summary = "\n  web: removed 0 identical files, kept 0 changed; started again\n";

        // web starts while the upgrade waits for the base's lock, which another command holds.
        Path lock = tmp.resolve("run/jspawn/locks/base-" + java.net.URLEncoder.encode(root.resolve("debian").toString(),
                java.nio.charset.StandardCharsets.UTF_8) + ".lock");
        Process holder = holdLock(lock);
        try {
            StringWriter waiting = new StringWriter() {
                @Override
                public void write(String s, int off, int len) {
                    super.write(s, off, len);
                    if (s.contains("waiting for another jspawn command to finish with base debian")) {
                        startWeb();
                        holder.destroy(); // the other command is done: its lock goes with it
                    }
                }
            };
            assertEquals(0, run(new PrintWriter(waiting), "base", "--image-root", root.toString(), "upgrade", "--no-rollback", "debian", "--", "true"), waiting.toString());
            assertTrue(waiting.toString().contains("waiting for another jspawn command"), "it did wait: " + waiting);
        } finally {
            holder.destroyForcibly();
        }
        assertEquals(List.of("stop jspawn@web.service", "start jspawn@web.service"), systemctl, "what is stopped is started again");
        assertTrue(out.toString().contains(summary), out.toString());

        // web stopped, then started while the update runs with the base's lock held: the same.
        recordingSystemctl.run("stop", "jspawn@web.service");
        systemctl.clear();
        out.getBuffer().setLength(0);
        duringUpdate = this::startWeb;
        assertEquals(0, run("base", "--image-root", root.toString(), "upgrade", "--no-rollback", "debian", "--", "true"), err.toString());
        assertEquals(List.of("stop jspawn@web.service", "start jspawn@web.service"), systemctl);
        assertTrue(out.toString().contains(summary), out.toString());

        // web stopped before the upgrade and left so: neither stopped nor started.
        recordingSystemctl.run("stop", "jspawn@web.service");
        systemctl.clear();
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "upgrade", "--no-rollback", "debian", "--", "true"), err.toString());
        assertEquals(List.of(), systemctl);
        assertTrue(out.toString().contains("\n  web: removed 0 identical files, kept 0 changed\n"), out.toString());
    }

    /** debian with v1 and v2, v2 current. */
    void twoVersions() {
        assertEquals(0, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"), err.toString());
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
    }

    @Test
    void gcRemovesNothingOfABaseWhoseCurrentVersionWasDeletedByHand() throws IOException {
        twoVersions();
        Trees.deleteTree(root.resolve(".jspawn/bases/debian/v2"));
        assertEquals(0, run("base", "--image-root", root.toString(), "gc", "debian"), err.toString());
        assertEquals("kept debian v1: debian's current version v2 is missing; make v1 current with 'jspawn base rollback debian'\n", out.toString());
        assertTrue(Files.isRegularFile(root.resolve(".jspawn/bases/debian/v1/etc/os-release")), "the base is still there");
    }

    @Test
    void gcKeepsAVersionAChildNamesOrAnOverlayHasMounted() throws IOException {
        twoVersions();
        assertEquals(0, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"), err.toString());
        Path v1 = root.resolve(".jspawn/bases/debian/v1"), v2 = root.resolve(".jspawn/bases/debian/v2");
        Files.writeString(etc.resolve("pinned.jspawn"), "[Container]\nBase=" + v1 + "\nImageRoot=" + root + "\n");
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "90 22 0:50 / /srv/by-hand rw - overlay overlay rw,lowerdir=" + v2 + ",upperdir=/srv/up,workdir=/srv/work\n");
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "gc", "debian"), err.toString());
        assertEquals("kept debian v1: used by pinned\nkept debian v2: used by the overlay at /srv/by-hand\n", out.toString());
        assertTrue(Files.isDirectory(v1));
        assertTrue(Files.isDirectory(v2));
        Files.delete(etc.resolve("pinned.jspawn"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "gc", "debian"), err.toString());
        // v1 is one tree, which base update made the bottom layer of v2 and v3: it stays while they do.
        assertTrue(out.toString().matches("kept debian v1: the bottom layer of v2, v3\nremoved debian v2 \\([0-9.]+[BKMG]\\)\n"), out.toString());
    }

    @Test
    void gcKeepsTheVersionARunningChildSeesThroughTheViewsOfItsLayers() throws IOException {
        twoVersions();
        Path v1 = root.resolve(".jspawn/bases/debian/v1");
        // A child of the base, mounted as the units mount it: lowerdir= names its layer's view, not the base; what
        // its overlay shows is v1's (the probe file has v1's inode).
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        Files.createDirectories(root.resolve("c/etc"));
        Files.createDirectories(root.resolve("c_up"));
        Files.createLink(root.resolve("c/etc/os-release"), v1.resolve("etc/os-release"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "90 22 0:50 / " + root.resolve("c") + " rw - overlay overlay rw,lowerdir=/run/jspawn/c/lower/0,upperdir=" + root.resolve("c_up")
                + ",workdir=" + root.resolve("c_work") + "\n");
        assertEquals(0, run("base", "--image-root", root.toString(), "gc", "debian"), err.toString());
        assertEquals("kept debian v1: used by c\n", out.toString());
        assertTrue(Files.isDirectory(v1));
    }

    @Test
    void aBaseWhoseCurrentVersionWasDeletedByHandShowsSoAndRollbackRepairsIt() throws IOException {
        twoVersions();
        ran.clear();
        Trees.deleteTree(root.resolve(".jspawn/bases/debian/v2"));
        String reason = "debian's current version v2 is missing; make v1 current with 'jspawn base rollback debian'";
        assertEquals(0, run("base", "--image-root", root.toString(), "list", "--json"));
        assertEquals("[{\"base\":\"debian\",\"current\":\"missing\",\"versions\":1,\"size_bytes\":null,\"image\":null,\"children\":[]}]\n", out.toString());
        assertEquals("jspawn: warning: " + reason + "\n", err.toString());
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "versions", "--no-legend", "debian"));
        assertTrue(out.toString().matches("v1 +[0-9.]+[BKMG] +tree +-\n"), "every version there is, none current: " + out);
        assertEquals("jspawn: warning: " + reason + "\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "debian", "--", "true"));
        assertEquals("jspawn: cannot update debian: " + reason + "\n", err.toString());
        assertEquals(List.of(), ran, "nothing copied");
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "rollback", "debian"), err.toString());
        assertEquals("debian's current version v2 was missing; v1 is current now; children use it when they restart.\n", out.toString());
        assertEquals(Path.of(".jspawn/bases/debian/v1"), Files.readSymbolicLink(root.resolve("debian")));
    }

    List<String> storeDirs() throws IOException {
        try (var s = Files.list(root.resolve(".jspawn/bases"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedCreateLeavesNothingBehind() throws IOException {
        Path nowhere = tmp.resolve("nonexistent");
        assertEquals(1, run("base", "--image-root", root.toString(), "create", "x", "--from-dir", nowhere.toString()));
        assertEquals("jspawn: no directory " + nowhere + "\n", err.toString());
        assertFalse(Files.exists(root.resolve(".jspawn")), "not even the store's directories");
        twoVersions(); // now .jspawn/bases is there, and stays
        Files.createDirectories(tmp.resolve("empty"));
        assertEquals(1, run("base", "--image-root", root.toString(), "create", "x", "--from-dir", tmp.resolve("empty").toString()));
        assertTrue(err.toString().endsWith("not an OS tree; nothing was created\n"), err.toString());
        assertEquals(List.of("debian"), storeDirs());
        assertFalse(Files.exists(root.resolve("x"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void gcOfEveryBaseSkipsALeftoverStoreDirAndOneBadBaseCostsOnlyItself() throws IOException {
        twoVersions();
        Files.createDirectories(root.resolve(".jspawn/bases/left")); // what a failed create used to leave
        Files.createDirectories(root.resolve(".jspawn/bases/bad:name"));
        assertEquals(1, run("base", "--image-root", root.toString(), "gc"));
        assertEquals("jspawn: name \"bad:name\" is refused: ':' separates overlay layers\n", err.toString());
        String skipped = "skipped left: " + root.resolve(".jspawn/bases/left") + " holds no version and there is no " + root.resolve("left")
                + "; delete it with 'jspawn base remove left'\n";
        String bottom = "kept debian v1: the bottom layer of v2\n";
        assertEquals(bottom + skipped, out.toString());
        assertTrue(Files.exists(root.resolve(".jspawn/bases/debian/v1")), "the good base was collected, and v1 is v2's bottom layer");
        Files.delete(root.resolve(".jspawn/bases/bad:name"));
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "gc"), err.toString());
        assertEquals(bottom + skipped, out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("base", "--image-root", root.toString(), "list", "--no-legend"));
        assertTrue(out.toString().matches("debian +v2 +2 +[0-9.]+[BKMG] +-\n"), "a leftover is no base: " + out);
    }

    @Test
    void createRefusesToCopyTheHostOrTheImageRootAndCopiesWithinOneFileSystem() throws IOException {
        twoVersions();
        ran.clear();
        Files.createSymbolicLink(tmp.resolve("slash"), Path.of("/"));
        String inside = ": it lies inside the image root " + root + ", where only a base (" + root + "/NAME) may be copied";
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("/", "/: it is the host's root directory");
        refused.put(tmp.resolve("slash").toString(), tmp.resolve("slash") + " (/): it is the host's root directory");
        refused.put(root.toString(), root + ": it is the image root");
        refused.put(tmp.toString(), tmp + ": it holds the image root " + root);
        refused.put(root.resolve(".jspawn").toString(), root.resolve(".jspawn") + inside);
        refused.put(root.resolve("debian/layer@0/etc").toString(), root.resolve("debian/layer@0/etc") + " (" + root.resolve(".jspawn/bases/debian/v1/etc") + ")" + inside);
        refused.put("/usr", "/usr: it is one of the host's own directories");
        refused.put("/etc", "/etc: it is one of the host's own directories");
        refused.put("/sys/kernel", "/sys/kernel: it lies inside /sys, which the kernel and the running system fill");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            err.getBuffer().setLength(0);
            assertEquals(1, run("base", "--image-root", root.toString(), "create", "x", "--from-dir", e.getKey()), e.getKey());
            assertEquals("jspawn: cannot copy " + e.getValue() + "; give the root directory of an OS tree of its own\n", err.toString());
        }
        assertEquals(List.of(), ran, "nothing was copied");
        assertEquals(List.of("debian"), storeDirs());
        // A base of the image root may be copied (what its link names), never crossing into another mount.
        commands.clear();
        assertEquals(0, run("base", "--image-root", root.toString(), "create", "copy", "--no-networkd", "--from-dir", root.resolve(".jspawn/bases/debian/v1").toString()),
                err.toString());
        assertEquals(List.of("cp", "-a", "--one-file-system", "--reflink=auto", root.resolve(".jspawn/bases/debian/v1").toString(),
                root.resolve(".jspawn/bases/copy/v1.partial").toString()), commands.get(0));
        assertEquals("ID=debian\n", Files.readString(root.resolve("copy/etc/os-release")));
    }

    /** Sparse files that add up to 128T: more than any disk here has, while using none of it. */
    static void huge(Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse(java.util.Set.of("btrfs", "xfs", "bcachefs").contains(Files.getFileStore(dir).type()),
                "a copy within this file system may share the data: not checked");
        for (int i = 0; i < 16; i++) {
            try (var f = new java.io.RandomAccessFile(dir.resolve("sparse" + i).toFile(), "rw")) {
                f.setLength(8L << 40);
            } catch (IOException e) {
                org.junit.jupiter.api.Assumptions.abort("no 8T sparse files here: " + e.getMessage());
            }
        }
    }

    @Test
    void aCopyTheImageRootHasNoRoomForIsRefusedBeforeItStarts() throws IOException {
        Path big = Files.createDirectories(tmp.resolve("big/etc"));
        Files.writeString(big.resolve("os-release"), "ID=big\n");
        huge(big);
        assertEquals(1, run("base", "--image-root", root.toString(), "create", "x", "--from-dir", tmp.resolve("big").toString()));
        assertTrue(err.toString().matches("jspawn: not enough space in " + java.util.regex.Pattern.quote(root.toString())
                + ": the source needs 128\\.0T, [0-9.]+[BKMGT] free\n"), err.toString());
        assertEquals(List.of(), ran);
        assertFalse(Files.exists(root.resolve(".jspawn")));
    }

    @Test
    void aCopyOnAFullDiskSaysSoInThreeLinesNotThousands() throws IOException {
        Files.createDirectories(tmp.resolve("src/etc"));
        Files.writeString(tmp.resolve("src/etc/os-release"), "ID=src\n");
        err.getBuffer().setLength(0);
        diskFullFiles = 4000;
        assertEquals(1, run("base", "--image-root", root.toString(), "create", "x", "--from-dir", tmp.resolve("src").toString()));
        assertTrue(err.toString().matches("cp: error copying .*/f0': No space left on device\n\\(3999 more errors\\)\n"
                + "jspawn: cp failed \\(exit status 1\\); nothing was created\n"), err.toString());
        assertFalse(Files.exists(root.resolve(".jspawn/bases/x")), "nothing of it is left");
    }

    int remove(String name) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return run("base", "--image-root", root.toString(), "remove", name);
    }

    @Test
    void removeRefusesWhileAnythingUsesTheBaseAndThenLeavesNothingOfIt() throws IOException {
        twoVersions();
        Files.writeString(etc.resolve("web.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        assertEquals(1, remove("debian"));
        assertEquals("jspawn: base debian is used by web; remove them first (jspawn remove CHILD), or give them another Base=\n", err.toString());
        Files.delete(etc.resolve("web.jspawn"));
        Files.writeString(etc.resolve("web-base.base"), "[Base]\nBase=debian\n");
        assertEquals(1, remove("debian"));
        assertEquals("jspawn: base debian has web-base layered on it (Base=debian in web-base.base); remove or change those first\n", err.toString());
        Files.delete(etc.resolve("web-base.base"));
        Files.writeString(etc.resolve("pinned.jspawn"), "[Container]\nBase=" + root.resolve(".jspawn/bases/debian/v1") + "\nImageRoot=" + root + "\n");
        assertEquals(1, remove("debian"));
        assertEquals("jspawn: base debian is in use: v1 by pinned; stop, change or unmount those first\n", err.toString());
        Files.delete(etc.resolve("pinned.jspawn"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "90 22 0:50 / /srv/by-hand rw - overlay overlay rw,lowerdir=" + root.resolve("debian") + ",upperdir=/srv/up,workdir=/srv/work\n"
                + "91 22 0:51 / " + root.resolve(".jspawn/bases/debian/v1/proc") + " rw - proc proc rw\n");
        assertEquals(1, remove("debian"));
        assertEquals("jspawn: base debian is in use: the overlay at /srv/by-hand; the mount at " + root.resolve(".jspawn/bases/debian/v1/proc")
                + "; stop, change or unmount those first\n", err.toString());
        assertEquals(List.of("v1", "v2"), versionDirs(), "nothing was touched");
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
        // A symlink in a version is removed, never followed.
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "mine");
        Files.createSymbolicLink(root.resolve(".jspawn/bases/debian/v2/srv"), outside);
        assertEquals(0, remove("debian"), err.toString());
        assertTrue(out.toString().matches("Removed base debian \\(v1, v2, [0-9.]+[BKMG]\\)\\.\n"), out.toString());
        assertFalse(Files.exists(root.resolve("debian"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), storeDirs());
        assertFalse(Files.exists(root.resolve(".jspawn/removing")));
        assertEquals("mine", Files.readString(outside.resolve("keep")));
        assertEquals(1, remove("debian"));
        assertEquals("jspawn: no base debian in " + root + "\n", err.toString());
    }

    List<String> versionDirs() throws IOException {
        try (var s = Files.list(root.resolve(".jspawn/bases/debian"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void removeTakesAPlainBaseALeftoverStoreDirAndWhatAKilledRemovalLeft() throws IOException {
        assertEquals(0, remove("debian"), err.toString());
        assertEquals("Removed base debian (a plain directory, 10B).\n", out.toString());
        assertFalse(Files.exists(root.resolve("debian")));
        Files.createDirectories(root.resolve(".jspawn/bases/left"));
        assertEquals(0, remove("left"), err.toString());
        assertEquals("Removed base left (no version, 0B).\n", out.toString());
        assertEquals(List.of(), storeDirs());
        Files.createDirectories(root.resolve(".jspawn/removing/gone/versions/v1/etc"));
        assertEquals(0, remove("gone"), err.toString());
        assertFalse(Files.exists(root.resolve(".jspawn/removing")));
    }
}
