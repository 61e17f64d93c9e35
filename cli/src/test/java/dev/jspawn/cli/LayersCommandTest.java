package dev.jspawn.cli;

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

import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;
import dev.jspawn.runtime.DiskSpace;
import dev.jspawn.runtime.UserError;

/** What the helper checks before it prepares a child's overlay: here, that there is room for the guest to boot. */
class LayersCommandTest {

    @TempDir
    Path tmp;

    final List<Path> asked = new ArrayList<>();
    long free;

    Context context() {
        return new Context(new SearchPath(List.of(tmp.resolve("etc"))), JspawnCommandTest.FakeBus::new, tmp.resolve("proc"), a -> 0,
                cmd -> 0, tmp.resolve("run/jspawn"), dir -> {
                    asked.add(dir);
                    return new DiskSpace.Free("/var (/dev/vda2)", free);
                });
    }

    String prepare(Path upper) throws IOException {
        return LayersCommand.prepare(context(), "pick", "c", upper, upper.resolveSibling("c_work"), tmp.resolve("run/jspawn/c/nspawn.env"),
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
    void theLimitIsSixteenMebibytes() throws IOException {
        Files.createDirectories(tmp.resolve("c_up"));
        free = LayersCommand.MIN_FREE_BYTES;
        LayersCommand.checkSpace(context(), "c", tmp.resolve("c_up"));
        free = LayersCommand.MIN_FREE_BYTES - 1;
        assertThrows(UserError.class, () -> LayersCommand.checkSpace(context(), "c", tmp.resolve("c_up")));
        assertEquals(16L << 20, LayersCommand.MIN_FREE_BYTES);
    }

    @Test
    void theReasonIsTheHelpersAnswerSoTheStartFailsWithIt() {
        free = 0;
        HelperService s = new HelperService(context(), new PrintWriter(new StringWriter()));
        DBusExecutionException e = assertThrows(DBusExecutionException.class,
                () -> s.mountLayers("pick", "c", tmp + "/c_up", tmp + "/c_work", tmp + "/run/jspawn/c/nspawn.env", List.of()));
        assertEquals("jspawn: c: only 0B free on /var (/dev/vda2), which holds " + tmp + "/c_up; a start needs 16.0M"
                + " (a guest's first boot writes about 8M there): free some space on /var (/dev/vda2) and start it again", e.getMessage());
    }
}
