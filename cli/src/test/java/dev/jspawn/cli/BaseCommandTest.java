package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;
import picocli.CommandLine;

/** base update's refusals and its clean-up, with a recording runner (the real cycle runs in EndToEndIT). */
class BaseCommandTest {

    @TempDir
    Path tmp;

    Path etc, root;
    final List<String> ran = new ArrayList<>();
    int nspawnStatus = 0;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        root = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(root.resolve("debian/etc"));
        Files.writeString(root.resolve("debian/etc/os-release"), "ID=debian\n");
    }

    int run(String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), JspawnCommandTest.FakeBus::new, tmp.resolve("proc"),
                a -> 0, cmd -> {
                    ran.add(cmd.get(0));
                    if (cmd.get(0).equals("cp")) {
                        try {
                            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
                        } catch (IOException | InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                    return nspawnStatus;
                }));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void aFailingCommandLeavesTheBaseAndNoHalfVersion() throws IOException {
        nspawnStatus = 3;
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "debian", "--", "apt-get", "-y", "full-upgrade"));
        assertEquals("jspawn: apt-get -y full-upgrade failed (exit status 3); the base is unchanged\n", err.toString());
        assertEquals(List.of("cp", "systemd-nspawn"), ran);
        assertEquals(Path.of(".jspawn/bases/debian/v1"), Files.readSymbolicLink(root.resolve("debian")), "adopted, still v1");
        try (var s = Files.list(root.resolve(".jspawn/bases/debian"))) {
            assertEquals(List.of("v1"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aLayerWhoseBaseFileIsInvalidIsRefusedBeforeAnythingRuns() throws IOException {
        Files.createDirectories(root.resolve("web/etc"));
        Files.writeString(etc.resolve("web.base"), "[Base]\nBase=debian\nOops=1\n");
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "web", "--", "true"));
        assertTrue(err.toString().startsWith("jspawn: base web: base web is defined in " + etc.resolve("web.base") + ", which is invalid"), err.toString());
        assertEquals(List.of(), ran);
        assertFalse(Files.isSymbolicLink(root.resolve("web")), "not even adopted");
    }

    @Test
    void anUnknownBaseIsNamed() {
        assertEquals(1, run("base", "--image-root", root.toString(), "update", "nope", "--", "true"));
        assertEquals("jspawn: no base nope in " + root + "\n", err.toString());
    }
}
