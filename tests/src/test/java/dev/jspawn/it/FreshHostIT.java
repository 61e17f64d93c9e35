package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's first command on a fresh machine of each supported release, as a new user types it: scripts/demo
 * from a copy of the source tree (no build output), on that release's root tree with nothing of jspawn's, no JDK and
 * no cached base (scripts/fresh-host). It installs what is missing with that release's apt (the JDK, debootstrap),
 * builds jspawn with that JDK through the Maven wrapper, makes a base of that release with jspawn base create, and
 * plays the how-to in a sandbox booted from that release's systemd. Before that, scripts/install on the bare
 * tree (a JRE and no JDK) must say what is missing. Needs the network, as the README's commands do.
 */
class FreshHostIT {

    static final Path SRC = EndToEndIT.SRC;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bookworm", "trixie", "forky"})
    void theDemoOnAFreshHost(String release) {
        String tree = Sandbox.exec(List.of(SRC.resolve("scripts/release-tree").toString(), release), Duration.ofMinutes(20)).ok().out().strip();
        String script = "scripts/install >/dev/null 2>/tmp/no-jdk; echo \"install without a JDK: $?\"; cat /tmp/no-jdk;"
                + " scripts/demo && echo 'demo: exit 0'; echo \"java: $(java -version 2>&1 | head -1)\"";
        Sandbox.Result r = Sandbox.exec(List.of(SRC.resolve("scripts/fresh-host").toString(), tree, SRC.toString(), "bash", "-c", script),
                Duration.ofMinutes(15));
        String out = r.out(), all = out + r.err();
        assertEquals(0, r.exit(), all);
        assertTrue(out.contains("install without a JDK: 1\ninstall: the jars in /root/jspawn are missing or older than the sources, and building"
                + " them needs a JDK (17 or later), which this host lacks: run scripts/deps"), all);
        assertTrue(out.contains("demo: exit 0"), "the demo ran to its end:\n" + all);
        // What the demo shows along the way: the copy-on-write write, the reboot, the upgrade cycle, the poweroff.
        for (String shown : List.of("hello from the guest\nls: cannot access '/var/lib/jspawn/default-ns-1/root/hello'", "NRestarts=1",
                "child_apache: removed", "updated base", "inactive\nNo machines.")) {
            assertTrue(out.contains(shown), "the demo shows " + shown + ":\n" + all);
        }
        String major = switch (release) {
            case "bookworm" -> "17";
            case "trixie" -> "21";
            default -> "2"; // testing's default JDK: 25 today
        };
        assertTrue(out.contains("java: openjdk version \"" + major), "that release's default JDK:\n" + all);
        assertFalse(all.contains("WARNING"), "no JVM (or other) warning:\n" + all);
        assertFalse(all.contains("no class archive"), "class archives for that JVM:\n" + all);
    }
}
