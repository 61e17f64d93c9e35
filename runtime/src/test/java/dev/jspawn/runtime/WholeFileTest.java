package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WholeFileTest {

    @TempDir
    Path tmp;

    @Test
    void writesTheWholeFileReplacingTheOldOneAndAStaleTemporaryFile() throws IOException {
        Path file = tmp.resolve("nspawn.env");
        Files.writeString(file, "OLD=1\n");
        Files.writeString(tmp.resolve(".nspawn.env.tmp"), "HALF=");
        WholeFile.write(file, "NEW=2\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("NEW=2\n", Files.readString(file));
        assertFalse(Files.exists(tmp.resolve(".nspawn.env.tmp")));
    }

    @Test
    void aFullDiskIsAnErrorAndLeavesTheFileAsItWas() throws IOException {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC, as on a full file system
        assumeTrue(Files.isWritable(full), "no /dev/full here");
        Path file = tmp.resolve("nspawn.env");
        Files.writeString(file, "OLD=1\n");
        UserError e = assertThrows(UserError.class, () -> WholeFile.write(file, "NEW=2\n".getBytes(StandardCharsets.US_ASCII), t -> {
            Files.createFile(t); // as the real opener leaves it: created, then the write fails
            return FileChannel.open(full, StandardOpenOption.WRITE);
        }));
        assertEquals("Failed to write " + file + ": No space left on device; it was left as it was", e.getMessage());
        assertEquals("OLD=1\n", Files.readString(file));
        assertFalse(Files.exists(tmp.resolve(".nspawn.env.tmp")), "no half-written file is left behind");
    }
}
