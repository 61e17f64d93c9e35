package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * units/jspawn-bind-idmapped.pl, which jspawn-prepare runs where mount(8) cannot idmap (Debian 12): the real script on
 * the real kernel, as root, each run in a private mount namespace of its own ({@code unshare --mount}), so that nothing
 * it mounts reaches the host's mount table. The views it makes are what the integration tests then boot.
 */
class BindIdmappedScriptTest {

    static final Path SCRIPT = Path.of("../units/jspawn-bind-idmapped.pl").toAbsolutePath();

    @TempDir
    Path tmp;

    /** Runs {@code script} (sh) in a private mount namespace, where "$bind" is the script; exit status and output. */
    record Run(int exit, String out) {
    }

    Run inPrivateMounts(String script) throws Exception {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "bind='perl " + SCRIPT + "'; " + script));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).directory(tmp.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out.strip());
    }

    @Test
    void theViewIsReadOnlyAndShowsTheRangeForIdsInItAndOverflowForOthers() throws Exception {
        assumeTrue(PreparedTest.root(), "as root (as .ci/run runs): only root mounts");
        Path src = Files.createDirectories(tmp.resolve("src")), view = Files.createDirectories(tmp.resolve("view"));
        Files.writeString(src.resolve("root-owned"), "x");
        Files.writeString(src.resolve("in-range"), "x");
        Files.setAttribute(src.resolve("in-range"), "unix:uid", 1000);
        Files.setAttribute(src.resolve("in-range"), "unix:gid", 65535);
        Files.writeString(src.resolve("beyond"), "x");
        Files.setAttribute(src.resolve("beyond"), "unix:uid", 65536);
        Run r = inPrivateMounts("$bind 0:524288:65536 src view && stat -c '%n %u %g' view view/root-owned view/in-range view/beyond"
                + " && findmnt -n -o OPTIONS view | tr , '\\n' | grep -xE 'ro|idmapped' | paste -sd' '"
                + " && if touch view/new 2>/dev/null; then echo writable; fi; ps -o comm= --ppid $$ | grep -c '^cat$' || :");
        assertEquals(0, r.exit(), r.out());
        assertEquals(String.join("\n", "view 524288 524288", "view/root-owned 524288 524288", "view/in-range 525288 589823",
                "view/beyond 65534 524288", "ro idmapped", "0"), r.out(), "its own IDs shifted, others the overflow ID; no child left");
        assertTrue(Files.notExists(src.resolve("new")), "nothing was written through the view");
        assertEquals("0", Files.getAttribute(src.resolve("root-owned"), "unix:uid").toString(), "the source itself is unchanged");
    }

    @Test
    void onlyTheSourcesOwnMountIsBoundNotThoseBelowIt() throws Exception {
        assumeTrue(PreparedTest.root(), "as root (as .ci/run runs): only root mounts");
        Files.createDirectories(tmp.resolve("src/below"));
        Files.createDirectories(tmp.resolve("view"));
        Run r = inPrivateMounts("mount -t tmpfs below src/below && touch src/below/on-tmpfs && $bind 0:524288:65536 src view"
                + " && ls -A view/below | wc -l");
        assertEquals(0, r.exit(), r.out());
        assertEquals("0", r.out(), "as mount --bind, not --rbind: the view shows the directory under the tmpfs");
    }

    @Test
    void badInputIsNamedAndNothingIsMounted() throws Exception {
        assumeTrue(PreparedTest.root(), "as root (as .ci/run runs): only root mounts");
        Files.createDirectories(tmp.resolve("view"));
        Run usage = inPrivateMounts("$bind 0:524288:65536 view");
        assertEquals(1, usage.exit());
        assertEquals("jspawn-bind-idmapped: usage: jspawn-bind-idmapped INSIDE:OUTSIDE:COUNT SOURCE TARGET", usage.out());
        for (String map : List.of("0:524288", "0:x:65536", "0:524288:0", "0:4294967295:2", "0:524288:65536,ro")) {
            Run r = inPrivateMounts("$bind '" + map + "' view view");
            assertEquals(1, r.exit(), map);
            assertTrue(r.out().startsWith("jspawn-bind-idmapped: not a mapping") && r.out().contains("'" + map + "'"), r.out());
        }
        Run missing = inPrivateMounts("$bind 0:524288:65536 nosuch view; echo $?; findmnt -n view || echo nothing mounted");
        assertEquals("jspawn-bind-idmapped: Failed to clone nosuch: No such file or directory\n1\nnothing mounted", missing.out());
        Run noTarget = inPrivateMounts("$bind 0:524288:65536 view nosuch; echo $?");
        assertEquals("jspawn-bind-idmapped: Failed to attach the view of view at nosuch: No such file or directory\n1", noTarget.out());
    }
}
