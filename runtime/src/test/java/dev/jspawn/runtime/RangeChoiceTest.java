package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.jspawn.config.ContainerConfig.PrivateUsers;
import dev.jspawn.images.Node;
import dev.jspawn.images.UidRanges;

/** Which range a child runs with, from its PrivateUsers= and the owner of its upper dir (the record). */
class RangeChoiceTest {

    static final long HASHED = UidRanges.hashed("child-apache");
    static final PrivateUsers FIXED = new PrivateUsers(PrivateUsers.Mode.FIXED, 1879048192L);

    static Optional<Node> upper(int uid, int gid) {
        return Optional.of(new Node(Path.of("/var/lib/jspawn/child_apache_up"), Node.Type.DIRECTORY, uid, gid, 0755, 0, 4096, 2, Map.of()));
    }

    static RangeChoice.Decision decide(PrivateUsers mode, Optional<Node> upper, List<UidRanges.Use> taken) {
        return RangeChoice.decide("child_apache", "child-apache", mode, upper, taken);
    }

    @Test
    void aNewChildGetsNspawnsRangeForItsNameUnlessTaken() {
        RangeChoice.Decision d = decide(PrivateUsers.PICK, Optional.empty(), List.of());
        assertEquals(HASHED, d.start());
        assertTrue(d.create());
        assertEquals(HASHED + ":65536", d.nspawnArgument());
        RangeChoice.Decision other = decide(PrivateUsers.PICK, Optional.empty(), List.of(new UidRanges.Use(HASHED, UidRanges.SIZE, "the range of container x")));
        assertTrue(other.start() != HASHED && other.start() % UidRanges.SIZE == 0);
    }

    @Test
    void theUpperDirsOwnerIsTheRecord() {
        RangeChoice.Decision d = decide(PrivateUsers.PICK, upper(65536 * 9, 65536 * 9), List.of());
        assertEquals(65536 * 9, d.start());
        assertFalse(d.create());
    }

    @Test
    void aChildMadeBeforeUserNamespacesKeepsRunningAsBeforeAndIsToldHowToConvert() {
        RangeChoice.Decision d = decide(PrivateUsers.PICK, upper(0, 0), List.of());
        assertFalse(d.userNamespace());
        assertEquals("no", d.nspawnArgument());
        assertTrue(d.note().contains("runs WITHOUT a user namespace") && d.note().contains("jspawn convert-userns child_apache"), d.note());
    }

    @Test
    void aFixedRangeMustMatchTheRecordAndBeFree() {
        assertEquals(1879048192L, decide(FIXED, Optional.empty(), List.of()).start());
        assertEquals(1879048192L, decide(FIXED, upper(1879048192, 1879048192), List.of()).start());
        UserError clash = assertThrows(UserError.class, () -> decide(FIXED, Optional.empty(), List.of(new UidRanges.Use(1879048200L, 1, "/etc/passwd entry big"))));
        assertEquals("PrivateUsers=1879048192: the range 1879048192-1879113727 overlaps /etc/passwd entry big", clash.getMessage());
        UserError other = assertThrows(UserError.class, () -> decide(FIXED, upper(65536, 65536), List.of()));
        assertTrue(other.getMessage().contains("belongs to the range 65536; set PrivateUsers=65536 (or pick)"), other.getMessage());
        UserError legacy = assertThrows(UserError.class, () -> decide(FIXED, upper(0, 0), List.of()));
        assertTrue(legacy.getMessage().contains("convert it with: jspawn convert-userns child_apache (or set PrivateUsers=no)"), legacy.getMessage());
    }

    @Test
    void privateUsersNoIsHostRootAndRefusesAShiftedChild() {
        assertFalse(decide(PrivateUsers.NO, Optional.empty(), List.of()).userNamespace());
        assertFalse(decide(PrivateUsers.NO, upper(0, 0), List.of()).userNamespace());
        UserError e = assertThrows(UserError.class, () -> decide(PrivateUsers.NO, upper(131072, 131072), List.of()));
        assertTrue(e.getMessage().contains("belongs to the UID range 131072"), e.getMessage());
    }

    @Test
    void anOwnerThatIsNoRangeIsRefused() {
        UserError e = assertThrows(UserError.class, () -> decide(PrivateUsers.PICK, upper(1000, 1000), List.of()));
        assertTrue(e.getMessage().contains("owned by 1000:1000, which is neither root nor the start of a UID range"), e.getMessage());
    }
}
