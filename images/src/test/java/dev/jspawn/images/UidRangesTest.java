package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UidRangesTest {

    @TempDir
    Path tmp;

    /** What systemd-nspawn 252 itself printed ("Selected user namespace base …") for -U -M NAME on a root-owned directory. */
    @ParameterizedTest
    @CsvSource({"foo, 1614544896", "child-apache, 22216704"})
    void theFirstCandidateIsTheOneNspawnPicksForTheName(String machine, long nspawnPicked) {
        assertEquals(nspawnPicked, UidRanges.hashed(machine));
    }

    /** The reference vector of SipHash-2-4 (key 00..0f, message 00..0e), as in the SipHash paper. */
    @Test
    void siphashMatchesTheReferenceVector() {
        byte[] key = new byte[16], msg = new byte[15];
        for (int i = 0; i < 16; i++) key[i] = (byte) i;
        for (int i = 0; i < 15; i++) msg[i] = (byte) i;
        assertEquals(0xa129ca6149be45e5L, UidRanges.siphash24(msg, key));
    }

    @Test
    void everyCandidateIsAWholeRangeInNspawnsWindow() {
        for (int i = 0; i < 2000; i++) {
            long c = UidRanges.hashed("machine-" + i);
            assertEquals(0, c % UidRanges.SIZE, "a multiple of 65536");
            assertTrue(c >= UidRanges.PICK_MIN && c + UidRanges.SIZE <= UidRanges.PICK_MAX + UidRanges.SIZE, Long.toString(c));
        }
    }

    @Test
    void aTakenCandidateIsSkippedAndThePickIsRepeatable() {
        long first = UidRanges.hashed("child-apache");
        List<UidRanges.Use> taken = List.of(new UidRanges.Use(first + 100, 1, "/etc/passwd entry someone"));
        long picked = UidRanges.pick("child-apache", c -> UidRanges.conflict(c, taken).isEmpty());
        assertNotEquals(first, picked);
        assertEquals(picked, UidRanges.pick("child-apache", c -> UidRanges.conflict(c, taken).isEmpty()), "same inputs, same range");
        assertTrue(UidRanges.conflict(picked, taken).isEmpty());
    }

    @Test
    void manyChildrenGetDistinctRanges() {
        List<UidRanges.Use> taken = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            long r = UidRanges.pick("c" + i, c -> UidRanges.conflict(c, taken).isEmpty());
            taken.add(new UidRanges.Use(r, UidRanges.SIZE, "c" + i));
            assertTrue(seen.add(r), "range " + r + " given twice");
        }
    }

    @Test
    void hostUsesComeFromPasswdGroupSubidsAndNspawnsLocks() throws IOException {
        Files.createDirectories(tmp.resolve("etc"));
        Files.createDirectories(tmp.resolve("run/systemd/nspawn-uid"));
        Files.writeString(tmp.resolve("etc/passwd"), "root:x:0:0::/root:/bin/bash\nbig:x:1879048300:100::/:/bin/false\nbroken line\n");
        Files.writeString(tmp.resolve("etc/group"), "wheel:x:10:\n");
        Files.writeString(tmp.resolve("etc/subuid"), "alice:100000:65536\n");
        Files.writeString(tmp.resolve("etc/subgid"), "alice:300000:65536\n");
        Files.createFile(tmp.resolve("run/systemd/nspawn-uid/22216704"));
        List<UidRanges.Use> uses = UidRanges.hostUses(tmp);

        assertEquals("/etc/passwd entry big", UidRanges.conflict(1879048192, uses).orElseThrow().what());
        assertEquals("/etc/subuid range of alice", UidRanges.conflict(131072, uses).orElseThrow().what(), "100000+65536 reaches into 131072");
        assertEquals("/etc/subgid range of alice", UidRanges.conflict(327680, uses).orElseThrow().what());
        assertTrue(UidRanges.conflict(22216704, uses).orElseThrow().what().startsWith("a systemd-nspawn container"));
        assertTrue(UidRanges.conflict(196608, uses).isEmpty(), "between alice's ranges");
        assertTrue(UidRanges.conflict(0x70000, uses).isEmpty(), "nothing at 458752 here");
    }
}
