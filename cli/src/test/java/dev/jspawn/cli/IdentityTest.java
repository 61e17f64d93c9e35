package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.runtime.MachineId;

/** A base without identity. */
class IdentityTest {

    @TempDir
    Path tmp;

    static final String BASE_ID = "0c65619b0c65619b0c65619b0c65619b";

    Path tree() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("base"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("var/lib/dbus"));
        Files.writeString(root.resolve("etc/machine-id"), BASE_ID + "\n");
        Files.writeString(root.resolve("etc/hostname"), "vm\n");
        Files.writeString(root.resolve("var/lib/dbus/machine-id"), BASE_ID + "\n");
        return root;
    }

    @Test
    void aBlankedBaseCarriesNoIdentity() throws IOException {
        Path root = tree();
        StringWriter out = new StringWriter();
        Identity.blank(root, new PrintWriter(out, true));
        assertEquals(0, Files.size(root.resolve("etc/machine-id")), "empty, so each child's systemd takes the ID nspawn gives it");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/machine-id"))));
        assertFalse(Files.exists(root.resolve("etc/hostname"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("var/lib/dbus/machine-id"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(out.toString().contains("machine ID: none") && out.toString().contains("host name: none"), out.toString());

        StringWriter again = new StringWriter();
        Identity.blank(root, new PrintWriter(again, true));
        assertEquals("", again.toString(), "a blank base stays as it is");
        assertEquals(Optional.empty(), MachineId.ofBase(List.of(root)));
    }

    @Test
    void aLinkedMachineIdIsReplacedNotFollowed() throws IOException {
        Path root = tree();
        Path outside = Files.writeString(tmp.resolve("outside"), "not the base's\n");
        Files.delete(root.resolve("etc/machine-id"));
        Files.createSymbolicLink(root.resolve("etc/machine-id"), outside);
        Identity.blank(root, new PrintWriter(new StringWriter()));
        assertTrue(Files.isRegularFile(root.resolve("etc/machine-id"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("not the base's\n", Files.readString(outside), "the link's target is untouched");
    }
}
