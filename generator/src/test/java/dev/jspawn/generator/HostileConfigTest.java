package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A careless or hostile admin's search path: in every directory the generator reads (two search
 * directories, drop-in directories, .base files), a FIFO, a link to /dev/zero, a directory, a huge
 * file, a link to a file that is no configuration, and floods of bad lines, each beside good files.
 * Every good container still gets its units, each bad thing costs only its own container, nothing
 * blocks, and the log stays short and echoes nothing of what is not a configuration.
 */
class HostileConfigTest {

    @TempDir
    Path tmp;

    Path etc, usr, out;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        usr = Files.createDirectories(tmp.resolve("usr"));
        out = Files.createDirectories(tmp.resolve("out"));
    }

    static void mkfifo(Path p) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor());
    }

    int generate() {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> new GeneratorMain(new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new GeneratorMain.Log(new PrintStream(log, true, StandardCharsets.UTF_8)))
                .run(new String[] {out.toString(), out.toString(), out.toString()}, Map.of("JSPAWN_UNIT_DIRS", etc + ":" + usr)),
                "the generator must never block on a file");
    }

    String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    boolean generated(String name) {
        return Files.exists(out.resolve("jspawn@" + name + ".service.d/50-jspawn.conf"));
    }

    @Test
    void specialFilesAnywhereCostOnlyTheirOwnContainer() throws Exception {
        for (String good : List.of("good1", "good2")) Files.writeString(etc.resolve(good + ".jspawn"), "[Container]\nBase=b\n");
        Files.writeString(usr.resolve("good3.jspawn"), "[Container]\nBase=layer\n");
        Files.writeString(usr.resolve("layer.base"), "[Base]\nBase=b\n");
        // In the search directories:
        mkfifo(etc.resolve("fifo.jspawn"));
        Files.createSymbolicLink(etc.resolve("zero.jspawn"), Path.of("/dev/zero"));
        Files.createSymbolicLink(usr.resolve("random.jspawn"), Path.of("/dev/urandom"));
        Files.createDirectory(etc.resolve("dir.jspawn"));
        Files.write(usr.resolve("huge.jspawn"), new byte[3 << 20]);
        Files.writeString(etc.resolve("passwd.jspawn"), "root:x:0:0:root:/root:/bin/bash\nsecret:$y$j9T$abcdefgh:19000:0:99999:7:::\n");
        mkfifo(usr.resolve("fifo.base"));
        // In drop-in directories: the container with the bad drop-in fails, whole, the others do not.
        for (String name : List.of("dropfifo", "dropzero", "dropdir")) {
            Files.writeString(etc.resolve(name + ".jspawn"), "[Container]\nBase=b\n");
            Files.createDirectories(usr.resolve(name + ".jspawn.d"));
        }
        mkfifo(usr.resolve("dropfifo.jspawn.d/10-x.conf"));
        Files.createSymbolicLink(usr.resolve("dropzero.jspawn.d/10-x.conf"), Path.of("/dev/zero"));
        Files.createDirectory(usr.resolve("dropdir.jspawn.d/10-x.conf"));
        Files.createDirectories(etc.resolve("good1.jspawn.d"));
        Files.writeString(etc.resolve("good1.jspawn.d/10-env.conf"), "[Exec]\nEnvironment=A=1\n");

        assertEquals(0, generate(), log());
        for (String good : List.of("good1", "good2", "good3")) assertTrue(generated(good), good + " has units:\n" + log());
        for (String bad : List.of("fifo", "zero", "random", "dir", "huge", "passwd", "dropfifo", "dropzero", "dropdir")) {
            assertFalse(generated(bad), bad);
        }
        String log = log();
        assertTrue(log.contains(etc.resolve("fifo.jspawn") + ": is a FIFO, not a regular file, ignoring"), log);
        assertTrue(log.contains(etc.resolve("zero.jspawn") + ": is a character device, not a regular file, ignoring"), log);
        assertTrue(log.contains(etc.resolve("dir.jspawn") + ": is a directory, not a file, ignoring"), log);
        assertTrue(log.contains(usr.resolve("huge.jspawn") + ": is larger than 1 MiB: not a configuration file"), log);
        assertTrue(log.contains(usr.resolve("fifo.base") + ": is a FIFO, not a regular file, ignoring"), log);
        assertTrue(log.contains(usr.resolve("dropfifo.jspawn.d/10-x.conf") + ": is a FIFO, not a regular file"), log);
        assertTrue(log.contains(usr.resolve("dropdir.jspawn.d/10-x.conf") + ": is a directory, not a file"), log);
        assertTrue(log.contains(etc.resolve("passwd.jspawn") + ": is not a configuration file: no [Section] header, and 2 lines that are not"
                + " KEY=VALUE (first at line 1); its content is not shown"), log);
        assertFalse(log.contains("root:x:0") || log.contains("$y$"), "nothing of a file that is no configuration is echoed:\n" + log);
        assertTrue(log.lines().count() < 30, "a short log:\n" + log);
    }

    @Test
    void floodsOfErrorsAreCappedAndEveryFailedFileIsNamedFirst() throws Exception {
        Files.writeString(etc.resolve("good.jspawn"), "[Container]\nBase=b\n");
        StringBuilder garbage = new StringBuilder("[Container]\nBase=b\n");
        for (int i = 0; i < 5000; i++) garbage.append("garbage line ").append(i).append('\n');
        Files.writeString(etc.resolve("a-garbage.jspawn"), garbage);
        Files.writeString(etc.resolve("b-longvalue.jspawn"), "[Container]\nBase=/" + "x".repeat(900_000) + ",lowerdir=/etc\n");
        StringBuilder env = new StringBuilder("[Container]\nBase=b\n[Exec]\n");
        for (int i = 0; i < 2000; i++) env.append("Environment=V").append(i).append("=").append("v".repeat(100)).append('\n');
        Files.writeString(etc.resolve("c-many.jspawn"), env);
        StringBuilder big = new StringBuilder("[Container]\nBase=b\n[Exec]\n");
        for (int i = 0; i < 1000; i++) big.append("Environment=V").append(i).append("=").append("v".repeat(1000)).append('\n');
        Files.writeString(etc.resolve("d-bigunit.jspawn"), big);

        assertEquals(0, generate());
        assertTrue(generated("good"));
        String log = log();
        List<String> lines = log.lines().toList();
        // The summaries come first, one per failed file, so a rate-limited kernel log still names every one.
        assertTrue(lines.get(0).contains("Failed to generate units for " + etc.resolve("a-garbage.jspawn") + " (5000 errors), ignoring."), log);
        assertTrue(lines.get(1).contains("b-longvalue.jspawn (1 error)"), log);
        assertTrue(lines.get(2).contains("c-many.jspawn (1 error)"), log);
        assertTrue(lines.get(3).contains("Failed to generate units for " + etc.resolve("d-bigunit.jspawn") + ": jspawn@d-bigunit.service.d/50-jspawn.conf"
                + " would be"), log);
        assertTrue(log.contains("a-garbage.jspawn: ... and 4997 more errors in this file"), log);
        assertTrue(log.contains("c-many.jspawn:1028: [Exec] Environment=: more than 1024 Environment= entries (2000); jspawn takes at most 1024"), log);
        assertTrue(lines.stream().allMatch(l -> l.length() < 400), "no line echoes a value whole:\n" + log);
        assertTrue(log.contains("',' would end the mount option"), "a long value's message keeps its reason:\n" + log);
        assertTrue(lines.size() < 20, log);
    }
}
