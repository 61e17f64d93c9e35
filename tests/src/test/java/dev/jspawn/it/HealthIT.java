package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Health checks against the real systemd, nspawn and machined: a container's HealthCmd= runs in the guest from
 * the timer the generator wrote, jspawn health says what it found, HealthOnFailure=restart restarts a guest whose
 * check fails HealthRetries= times in a row, and a container without a check gets no timer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    Sandbox box;

    @RegisterExtension
    final TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void sandbox() {
        String image = TestBase.path(EndToEndIT.SRC, EndToEndIT.STATE);
        box = Sandbox.start(EndToEndIT.SRC, EndToEndIT.STATE.resolveSibling("sandbox-health"));
        box.sh("/run/jspawn-src/scripts/install").ok();
        sh("cp -a " + image + " /var/lib/jspawn/b1");
    }

    @AfterAll
    void powerOff() {
        if (box != null) box.close();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    @Test
    void theCheckRunsInTheGuestAndAFailingOneRestartsIt() {
        // A long start period: the guest boots, and nothing counts until the check first passes.
        sh("printf '[Container]\\nBase=b1\\nHealthCmd=test -e /srv/ok && echo fine\\nHealthInterval=2s\\nHealthRetries=2\\n"
                + "HealthStartPeriod=10min\\nHealthOnFailure=restart\\n' > /etc/jspawn/h1.jspawn"
                + " && printf '[Container]\\nBase=b1\\n' > /etc/jspawn/p1.jspawn && systemctl daemon-reload && systemctl start jspawn@h1 jspawn@p1");
        assertEquals("active", sh("systemctl is-active jspawn-health@h1.timer"), "the container's start started its timer");
        Sandbox.Result starting = box.sh("jspawn health h1");
        assertEquals(2, starting.exit(), "starting: the check has not passed yet\n" + starting.out());

        Sandbox.await(WAIT, "h1's guest to answer", () -> box.sh("machinectl shell h1 /bin/sh -c 'touch /srv/ok' 2>/dev/null").exit() == 0);
        Sandbox.await(WAIT, "h1 to be healthy", () -> box.sh("jspawn health h1").exit() == 0);
        assertEquals("h1: healthy\nfine", sh("jspawn health h1"), "the check ran in the guest: its /srv/ok, its output");
        assertTrue(sh("jspawn status h1").contains("   Health: healthy"), sh("jspawn status h1"));
        assertTrue(sh("jspawn list --json").matches("(?s).*\\{\"container\":\"h1\",[^}]*\"health\":\"healthy\"}.*"), sh("jspawn list --json"));
        assertTrue(sh("jspawn list --no-legend").lines().anyMatch(l -> l.matches("h1 +h1 .* healthy +[^ ]+")), sh("jspawn list"));

        String leader = sh("machinectl show -p Leader --value h1");
        sh("machinectl shell h1 /bin/rm /srv/ok");
        Sandbox.await(WAIT, "h1 to be restarted for failing its check twice",
                () -> !box.sh("machinectl show -p Leader --value h1").out().strip().matches("|" + leader));
        assertTrue(sh("journalctl -u jspawn-health@h1.service --no-pager").contains("h1 is unhealthy: its check failed 2 times in a row; HealthOnFailure=restart"));
        Sandbox.await(WAIT, "h1 to run again", () -> box.sh("systemctl is-active jspawn@h1").out().strip().equals("active"));
        assertEquals(2, box.sh("jspawn health h1").exit(), "a new guest starts over");

        // No check, no timer: nothing generated for it, nothing wants it, and the bare template has no interval to run.
        assertEquals("", sh("ls /run/systemd/generator | grep 'jspawn-health@p1' || true"), "nothing generated for p1's health");
        assertEquals("inactive", box.sh("systemctl is-active jspawn-health@p1.timer").out().strip());
        assertTrue(!sh("systemctl show -p Wants --value jspawn@p1.service").contains("jspawn-health"), "p1 wants no check");
        Sandbox.Result none = box.sh("jspawn health p1");
        assertEquals(3, none.exit(), none.out());
        assertEquals("p1: none", none.out().strip());

        sh("systemctl stop jspawn@h1");
        assertEquals("inactive", box.sh("systemctl is-active jspawn-health@h1.timer").out().strip(), "the timer stops with the container");
    }

    /** Notify=healthy: the start returns once the check passed, and fails when it never does. */
    @Test
    void notifyHealthyHoldsTheStartUntilTheCheckPasses() {
        sh("printf '[Container]\\nBase=b1\\nHealthCmd=test -e /srv/started || { touch /srv/started; exit 1; }\\nHealthInterval=1s\\nNotify=healthy\\n'"
                + " > /etc/jspawn/n1.jspawn && printf '[Container]\\nBase=b1\\nHealthCmd=false\\nHealthInterval=1s\\nHealthRetries=2\\nNotify=healthy\\n'"
                + " > /etc/jspawn/n2.jspawn && systemctl daemon-reload");
        sh("systemctl start jspawn@n1");
        assertEquals(0, box.sh("jspawn health n1").exit(), "started means healthy: the first check failed, the second passed");
        Sandbox.Result failed = box.sh("systemctl start jspawn@n2");
        assertTrue(failed.exit() != 0, "a check that never passes fails the start");
        assertTrue(sh("journalctl -u jspawn@n2 --no-pager").contains("n2 did not become healthy: its check failed 2 times in a row"),
                sh("journalctl -u jspawn@n2 --no-pager"));
        sh("systemctl stop jspawn@n1");
    }
}
