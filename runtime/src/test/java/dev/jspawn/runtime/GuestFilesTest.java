package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a guest's files inside its root: what a hostile guest may leave there reads as nothing, or as its own. */
class GuestFilesTest {

    @TempDir
    Path tmp;

    private Optional<String> read(Path root, String rel, int max) {
        return GuestFiles.read(root, rel, max, GuestFiles.ANY).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void aRegularFileIsRead() throws Exception {
        Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(tmp.resolve("etc/machine-id"), "abc\n");
        assertEquals(Optional.of("abc\n"), read(tmp, "etc/machine-id", 100));
        assertEquals(Optional.empty(), read(tmp, "etc/none", 100));
    }

    @Test
    void linksResolveInsideTheRoot() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(tmp.resolve("outside"), "host");
        Files.createSymbolicLink(root.resolve("abs"), tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../outside"));
        assertEquals(Optional.empty(), read(root, "abs", 100));
        assertEquals(Optional.empty(), read(root, "up", 100));
        assertEquals(Optional.empty(), read(root, "../outside", 100));
        Files.writeString(root.resolve("outside"), "guest");
        assertEquals(Optional.of("guest"), read(root, "up", 100));
        assertEquals(Optional.of("guest"), read(root, "../outside", 100));
    }

    @Test
    void magicLinksAreNotFollowed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("root/proc"));
        Files.createSymbolicLink(root.resolve("proc/self"), Path.of("/proc/self"));
        Files.createSymbolicLink(root.resolve("status"), Path.of("/proc/self/status"));
        // the host's /proc is not the guest's
        assertEquals(Optional.empty(), read(root, "status", 100000));
        assertTrue(read(Path.of("/"), "proc/self/status", 100000).isPresent(), "the host reads its own");
    }

    @Test
    void onlyARegularFileOfAtMostMaxBytesIsRead() throws Exception {
        Files.createDirectories(tmp.resolve("dir"));
        Files.writeString(tmp.resolve("big"), "x".repeat(101));
        Files.writeString(tmp.resolve("fits"), "x".repeat(100));
        assertEquals(Optional.empty(), read(tmp, "dir", 100));
        assertEquals(Optional.empty(), read(tmp, "big", 100));
        assertEquals(Optional.of("x".repeat(100)), read(tmp, "fits", 100));
        assertEquals(Optional.empty(), read(Path.of("/"), "dev/zero", 100));
    }

    @Test
    void aFifoDoesNotBlock() throws Exception {
        Process p = new ProcessBuilder("mkfifo", tmp.resolve("fifo").toString()).start();
        assertEquals(0, p.waitFor());
        assertEquals(Optional.empty(), read(tmp, "fifo", 100));
    }

    @Test
    void theFileSystemTypeIsChecked() throws Exception {
        // this host's own /sys: its loopback's link is itself
        assertEquals(Optional.of("1"), GuestFiles.read(Path.of("/proc/self/root"), "sys/class/net/lo/iflink", 100, GuestFiles.SYSFS)
                .map(b -> new String(b, StandardCharsets.US_ASCII).trim()));
        Files.writeString(tmp.resolve("iflink"), "1\n");
        assertNotEquals(GuestFiles.SYSFS, GuestFiles.fsType(tmp));
        assertEquals(Optional.empty(), GuestFiles.read(tmp, "iflink", 100, GuestFiles.SYSFS));
        assertEquals(Optional.of("1\n"), GuestFiles.read(tmp, "iflink", 100, GuestFiles.fsType(tmp)).map(String::new));
    }
}
