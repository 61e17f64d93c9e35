package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jspawn.images.Node;
import dev.jspawn.images.UpperShift;
import dev.jspawn.images.Xattrs;

/**
 * jspawn convert-userns's engine on real owners, modes, capabilities, ACLs and special files (needs
 * root): every owner below 65536 moves into the range, what chown would lose comes back, nothing
 * outside the upper dir changes, and a run SIGKILLed at random points ends where an uninterrupted one does.
 */
class UpperShiftIT {

    static final Path WORK = Path.of(System.getProperty("jspawn.state", "target/sandbox")).toAbsolutePath().resolveSibling("shift-it");
    static final long START = 0x10000L * 300;
    static final byte[] CAP_NET_RAW_V2 = caps(0x02000001, 1 << 13); // effective, permitted cap_net_raw

    @BeforeAll
    static void clean() throws IOException {
        PruneIT.delete(WORK);
        Files.createDirectories(WORK);
    }

    static byte[] caps(int magic, int permitted) {
        return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(magic).putInt(permitted).putInt(0).putInt(0).putInt(0).array();
    }

    /** An upper dir as a guest without a user namespace leaves it, and a file outside it that a symlink points at. */
    static Path build(String name) throws IOException {
        return build(name, 40);
    }

    static Path build(String name, int bulkDirs) throws IOException {
        Path dir = PruneIT.mkdirs(WORK, name), up = PruneIT.mkdirs(dir, "up");
        Path outside = Files.writeString(dir.resolve("outside"), "not the guest's");
        PruneIT.mkdirs(up, "usr/bin");
        Path ping = Files.writeString(up.resolve("usr/bin/ping"), "ping");
        Trees.mode(ping, 04755);
        Xattrs.set(ping, "security.capability", CAP_NET_RAW_V2);
        Path www = PruneIT.mkdirs(up, "var/www");
        Trees.owner(www, 33, 33);
        Path sgid = Files.writeString(www.resolve("tool"), "x");
        Trees.owner(sgid, 33, 33);
        Trees.mode(sgid, 02755);
        // ACL: user::rwx, user:1000:r-x, group::r-x, mask::r-x, other::r-x
        ByteBuffer acl = ByteBuffer.allocate(4 + 5 * 8).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
        acl.putShort((short) 1).putShort((short) 7).putInt(-1).putShort((short) 2).putShort((short) 5).putInt(1000)
                .putShort((short) 4).putShort((short) 5).putInt(-1).putShort((short) 0x10).putShort((short) 5).putInt(-1)
                .putShort((short) 0x20).putShort((short) 5).putInt(-1);
        Xattrs.set(www, "system.posix_acl_access", acl.array());
        Files.createSymbolicLink(up.resolve("etc-link"), outside);
        Files.createLink(up.resolve("usr/bin/ping-hardlink"), ping);
        Trees.fifo(up.resolve("var/fifo"), 0600);
        Trees.charDevice(up.resolve("var/null"), 1, 3, 0666);
        Trees.whiteout(up.resolve("usr/bin/removed"));
        Path nobody = Files.writeString(up.resolve("nobody-file"), "n");
        Trees.owner(nobody, 65534, 65534);
        for (int i = 0; i < bulkDirs; i++) {
            Path d = PruneIT.mkdirs(up, "bulk/d" + i);
            for (int f = 0; f < 150; f++) Files.writeString(d.resolve("f" + f), "data" + f);
        }
        return dir;
    }

    @Test
    void everyOwnerMovesIntoTheRangeAndNothingIsLost() throws IOException {
        Path dir = build("plain"), up = dir.resolve("up");
        List<String> outsideBefore = Trees.manifest(dir).stream().filter(l -> l.startsWith("outside|")).toList();
        new UpperShift(up, START, dir.resolve("journal")).run();

        assertEquals(START, Node.stat(up).orElseThrow().rangeStart(), "the upper dir's owner records the range");
        Node ping = Node.stat(up.resolve("usr/bin/ping")).orElseThrow();
        assertEquals(START, ping.uid());
        assertEquals(04755, ping.mode(), "the setuid bit chown clears is back");
        byte[] caps = ping.xattrs().get("security.capability");
        assertEquals(24, caps.length, "capabilities in the namespaced form");
        ByteBuffer c = ByteBuffer.wrap(caps).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x03000001, c.getInt(0));
        assertEquals(1 << 13, c.getInt(4));
        assertEquals((int) START, c.getInt(20), "root ID = the namespace's root");
        Node tool = Node.stat(up.resolve("var/www/tool")).orElseThrow();
        assertEquals(START + 33, tool.uid());
        assertEquals(START + 33, tool.gid());
        assertEquals(02755, tool.mode());
        ByteBuffer acl = ByteBuffer.wrap(Node.stat(up.resolve("var/www")).orElseThrow().xattrs().get("system.posix_acl_access")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(START + 1000, Integer.toUnsignedLong(acl.getInt(4 + 8 + 4)), "the named ACL user is shifted");
        assertEquals(-1, acl.getInt(4 + 4), "user:: entries carry no ID");
        assertEquals(START, Node.stat(up.resolve("etc-link")).orElseThrow().uid(), "the link itself, not its target");
        assertEquals(START + 65534, Node.stat(up.resolve("nobody-file")).orElseThrow().uid());
        assertEquals(0, Node.stat(up.resolve("usr/bin/removed")).orElseThrow().uid(), "whiteouts keep 0:0");
        assertEquals(START, Node.stat(up.resolve("var/fifo")).orElseThrow().uid());
        assertEquals(START, Node.stat(up.resolve("var/null")).orElseThrow().uid());
        assertEquals(0, Node.stat(dir.resolve("outside")).orElseThrow().uid(), "nothing outside the upper dir is touched");
        assertEquals(outsideBefore, Trees.manifest(dir).stream().filter(l -> l.startsWith("outside|")).toList());
        assertFalse(Files.exists(dir.resolve("journal")), "the journal goes when done");
        for (String line : Trees.manifest(up)) {
            String owner = line.split("\\|")[2];
            long uid = Long.parseLong(owner.split(":")[0]);
            assertTrue(uid >= START || line.contains("|CHAR|") && line.endsWith("dev=0"), "left unshifted: " + line);
        }
        assertEquals(0, new UpperShift(up, START, dir.resolve("journal")).run().shifted(), "running it again changes nothing");
    }

    @Test
    void aConversionKilledAtRandomPointsEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path template = build("template", 150);
        Path reference = PruneIT.copy(template, "reference");
        new UpperShift(reference.resolve("up"), START, reference.resolve("journal")).run();
        List<String> expected = Trees.manifest(reference.resolve("up"));

        // The kills aim between the end of JVM start-up (a run with nothing left to do) and the end of a whole run.
        long t0 = System.nanoTime();
        assertEquals(0, shiftDirs(reference).waitFor());
        long jvm = (System.nanoTime() - t0) / 1_000_000;
        Path calibration = PruneIT.copy(template, "calibration");
        t0 = System.nanoTime();
        assertEquals(0, shiftDirs(calibration).waitFor());
        long total = (System.nanoTime() - t0) / 1_000_000;
        Random r = new Random(7);
        List<String> trials = new ArrayList<>();
        int midway = 0;
        for (int trial = 0; trial < 12 && midway < 3; trial++) {
            Path victim = PruneIT.copy(template, "victim" + trial);
            long at = jvm + (long) (Math.max(total - jvm, 50) * (0.1 + 0.8 * r.nextDouble()));
            long start = System.nanoTime();
            Process p = shiftDirs(victim);
            boolean finished = p.waitFor(at, TimeUnit.MILLISECONDS);
            if (finished) {
                total = (System.nanoTime() - start) / 1_000_000;
            } else {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
            }
            boolean journal = Files.exists(victim.resolve("journal"));
            trials.add((finished ? "finished before " : "killed at ") + at + " ms" + (journal ? ", journal left" : ""));
            if (!finished && journal) midway++;
            assertEquals(0, shiftDirs(victim).waitFor(), "the run after the kill completes");
            assertEquals(expected, Trees.manifest(victim.resolve("up")), "after " + trials.get(trial));
            PruneIT.delete(victim);
        }
        assertTrue(midway >= 3, "too few kills landed during a conversion (" + trials + "; whole run " + total + " ms, JVM start " + jvm + " ms)");
    }

    static Process shiftDirs(Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.jspawn.cli.Main", "shift-dirs",
                dir.resolve("up").toString(), Long.toString(START), dir.resolve("journal").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
