package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;

/** What the helper checks before it prepares a child's overlay: here, that there is room for the guest to boot. */
class OverlaySetupTest {

    @TempDir
    Path tmp;

    final List<Path> asked = new ArrayList<>();
    long free;

    Host host() {
        return new Host(new SearchPath(List.of(tmp.resolve("etc"))), FakeBus::new, tmp.resolve("proc"), tmp.resolve("run/jspawn"), dir -> {
            asked.add(dir);
            return new DiskSpace.Free("/var (/dev/vda2)", free);
        });
    }

    String prepare(Path upper) throws IOException {
        return OverlaySetup.prepare(host(), "c", "pick", "c", upper, upper.resolveSibling("c_work"), tmp.resolve("run/jspawn/c/nspawn.env"),
                List.of(), new PrintWriter(new StringWriter()));
    }

    @Test
    void aStartOnAFullDiskFailsSayingSoBeforeWritingAnything() throws IOException {
        free = 3 << 20;
        Path images = tmp.resolve("images");
        UserError e = assertThrows(UserError.class, () -> prepare(images.resolve("c_up")));
        assertEquals("c: only 3.0M free on /var (/dev/vda2), which holds " + images.resolve("c_up") + "; a start needs 16.0M"
                + " (a guest's first boot writes about 8M there): free some space on /var (/dev/vda2) and start it again", e.getMessage());
        assertEquals(List.of(tmp), asked, "before the first start: the nearest directory that exists");
        assertFalse(Files.exists(images), "nothing was made");
        assertFalse(Files.exists(tmp.resolve("run")), "no env file: the service does not start");

        Files.createDirectories(images.resolve("c_up"));
        asked.clear();
        assertThrows(UserError.class, () -> prepare(images.resolve("c_up")));
        assertEquals(List.of(images.resolve("c_up")), asked, "the upper dir's own file system");
    }

    @Test
    void theContainerIsNamedByItsUpperDir() {
        assertEquals("child_apache", OverlaySetup.containerOf(Path.of("/var/lib/jspawn/child_apache_up")));
        assertEquals("shop@9", OverlaySetup.containerOf(Path.of("/srv/images/shop@9_up")));
    }

    @Test
    void theLimitIsSixteenMebibytes() throws IOException {
        Files.createDirectories(tmp.resolve("c_up"));
        free = OverlaySetup.MIN_FREE_BYTES;
        OverlaySetup.checkSpace(host(), "c", tmp.resolve("c_up"));
        free = OverlaySetup.MIN_FREE_BYTES - 1;
        assertThrows(UserError.class, () -> OverlaySetup.checkSpace(host(), "c", tmp.resolve("c_up")));
        assertEquals(16L << 20, OverlaySetup.MIN_FREE_BYTES);
    }
}
