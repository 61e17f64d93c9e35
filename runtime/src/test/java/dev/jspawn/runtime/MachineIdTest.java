package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.images.Xattrs;

/** Each child's own machine ID, and a base's that every child would share. */
class MachineIdTest {

    @TempDir
    Path tmp;

    static final String BASE_ID = "0c65619b0c65619b0c65619b0c65619b";

    Path tree() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("base"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/machine-id"), BASE_ID + "\n");
        return root;
    }

    @Test
    void theTopmostLayerWithAMachineIdDecides() throws IOException {
        Path lower = tree();
        Path upper = Files.createDirectories(tmp.resolve("layer/etc")).getParent();
        assertEquals(Optional.of(BASE_ID), MachineId.ofBase(List.of(upper, lower)));
        Files.createFile(upper.resolve("etc/machine-id"));
        assertEquals(Optional.empty(), MachineId.ofBase(List.of(upper, lower)), "an empty file in the top layer hides the one below");
    }

    @Test
    void aGuestsOwnCopyIsReadOnlyWhenItIsARegularFileBelowRealDirectories() throws IOException {
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        assertEquals(Optional.empty(), MachineId.ownCopy(upper));
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(target.resolve("machine-id"), BASE_ID);
        Files.createSymbolicLink(upper.resolve("etc"), target);
        assertEquals(Optional.empty(), MachineId.ownCopy(upper), "never through a guest's symlink");
        Files.delete(upper.resolve("etc"));
        Files.createDirectories(upper.resolve("etc"));
        Files.createSymbolicLink(upper.resolve("etc/machine-id"), target.resolve("machine-id"));
        assertEquals(Optional.empty(), MachineId.ownCopy(upper), "nor through a symlink in its place (to the host's /etc/machine-id, say)");
        Files.delete(upper.resolve("etc/machine-id"));
        Files.writeString(upper.resolve("etc/machine-id"), "not an id\n");
        assertEquals(Optional.empty(), MachineId.ownCopy(upper));
        Files.writeString(upper.resolve("etc/machine-id"), "1234567890abcdef1234567890abcdef\n");
        assertEquals(Optional.of("1234567890abcdef1234567890abcdef"), MachineId.ownCopy(upper));
    }

    /** trusted.* attributes need root (CI runs as root; ./mvnw test as a user skips this one). */
    @Test
    void eachChildKeepsItsOwnIdAndAnExistingChildKeepsTheOneItHas() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "trusted.* extended attributes need root");
        Path a = Files.createDirectories(tmp.resolve("a_up")), b = Files.createDirectories(tmp.resolve("b_up"));
        String idA = MachineId.of(a), idB = MachineId.of(b);
        assertTrue(MachineId.valid(idA) && MachineId.valid(idB));
        assertNotEquals(idA, idB, "two children, two IDs");
        assertEquals(idA, MachineId.of(a), "kept");
        assertEquals(idA, new String(Xattrs.all(a).get(MachineId.XATTR), StandardCharsets.US_ASCII));

        Path old = Files.createDirectories(tmp.resolve("old_up/etc")).getParent();
        Files.writeString(old.resolve("etc/machine-id"), "1234567890abcdef1234567890abcdef\n");
        assertEquals("1234567890abcdef1234567890abcdef", MachineId.of(old), "the ID it already has in its upper dir");
    }
}
