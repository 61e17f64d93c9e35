package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Owners compared through a child's user namespace: what the guest wrote as its root is host UID shift + 0. */
class NodeTest {

    static final long SHIFT = 22216704;

    static Node file(int uid, int gid) {
        return new Node(Path.of("x"), Node.Type.FILE, uid, gid, 0644, 0, 10, 1, Map.of());
    }

    static Node dir(long uid, long gid) {
        return new Node(Path.of("up"), Node.Type.DIRECTORY, (int) uid, (int) gid, 0755, 0, 4096, 2, Map.of());
    }

    @Test
    void aShiftedCopyOfARootOwnedBaseFileIsTheSame() {
        assertTrue(file((int) SHIFT, (int) SHIFT).sameMetadata(file(0, 0), SHIFT));
        assertTrue(file((int) SHIFT + 33, (int) SHIFT + 4).sameMetadata(file(33, 4), SHIFT), "www-data:adm");
    }

    @Test
    void anUnshiftedOwnerInAShiftedChildIsAChange() {
        assertFalse(file(0, 0).sameMetadata(file(0, 0), SHIFT), "host root's file in a guest's upper dir is not the guest's copy");
        assertFalse(file((int) SHIFT + 1, (int) SHIFT).sameMetadata(file(0, 0), SHIFT));
        assertFalse(file((int) SHIFT, (int) SHIFT).sameMetadata(file(0, 0), 0), "without a user namespace the owners must be equal");
    }

    @Test
    void baseOwnersOutsideTheRangeNeverMatch() {
        // The guest sees such a file as nobody: its copy-up cannot carry the same owner.
        assertFalse(file((int) (SHIFT + 70000), (int) SHIFT).sameMetadata(file(70000, 0), SHIFT));
    }

    @Test
    void theRangeStartIsTheUpperDirsOwnerWhenThatIsARange() {
        assertEquals(SHIFT, dir(SHIFT, SHIFT).rangeStart());
        assertEquals(0, dir(0, 0).rangeStart(), "made before user namespaces");
        assertEquals(0, dir(SHIFT, 0).rangeStart());
        assertEquals(0, dir(1000, 1000).rangeStart());
        assertEquals(0x7FFF0000L, dir(0x7FFF0000L, 0x7FFF0000L).rangeStart());
    }
}
