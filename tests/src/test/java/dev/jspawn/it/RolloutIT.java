package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * base upgrade as a rollout, against the real systemd, nspawn, machined and booted guests: two children with a
 * HealthCmd=; an update that breaks the check puts the first back on the old version with its own files and the
 * copies its prune removed, never touches the second, and keeps the old version current; one that keeps the check
 * green reaches both; rollouts killed (SIGKILL) at random points are finished or rolled back by the next run, losing
 * nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIT {

    static final Duration WAIT = Duration.ofSeconds(90);

    Sandbox box;

    @RegisterExtension
    final TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void twoHealthCheckedChildren() {
        String image = TestBase.path(EndToEndIT.SRC, EndToEndIT.STATE);
        box = Sandbox.start(EndToEndIT.SRC, EndToEndIT.STATE.resolveSibling("sandbox-rollout"));
        box.sh("/run/jspawn-src/scripts/install").ok();
        sh("cp -a " + image + " /var/lib/jspawn/b1");
        for (String c : List.of("r1", "r2")) {
            sh("printf '[Container]\\nBase=b1\\nHealthCmd=test ! -e /etc/broken\\nHealthInterval=1s\\nHealthRetries=2\\n' > /etc/jspawn/" + c + ".jspawn");
        }
        sh("systemctl daemon-reload && systemctl start jspawn@r1 jspawn@r2");
        for (String c : List.of("r1", "r2")) healthy(c);
        // r1's own file, and a copy of one that the updates below put in the base just so: its prune removes that copy.
        guest("r1", "echo mine > /srv/own && echo same > /etc/rollout-note");
        assertEquals("same", sh("cat /var/lib/jspawn/r1_up/etc/rollout-note"));
    }

    @AfterAll
    void powerOff() {
        if (box != null) box.close();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    void healthy(String c) {
        Sandbox.await(WAIT, c + " to be healthy", () -> box.sh("jspawn health " + c).exit() == 0);
    }

    String guest(String c, String script) {
        Sandbox.await(WAIT, c + "'s guest to answer", () -> box.sh("machinectl shell " + c + " /bin/true 2>/dev/null").exit() == 0);
        return sh("machinectl shell " + c + " /bin/sh -c '" + script + "' 2>/dev/null | tr -d '\\r'");
    }

    String leader(String c) {
        return sh("machinectl show -p Leader --value " + c);
    }

    @Test
    @Order(1)
    void anUpdateThatBreaksTheCheckLeavesEveryChildServingOnTheOldVersion() {
        String leader2 = leader("r2");
        Sandbox.Result r = box.sh("jspawn base upgrade b1 -- sh -c 'echo same > /etc/rollout-note; touch /etc/broken'");
        assertEquals(1, r.exit(), r.out() + r.err());
        String out = r.out();
        // What the guest rewrote itself while on v2 (its journal, say) stays as it wrote it; the rest of what the prune removed goes back.
        // (The timer's own checks run too, so the count may pass HealthRetries=.)
        assertTrue(out.matches("(?s).*\\n  r1: not healthy on v2: its check failed [2-9] times in a row; back on v1, [1-9][0-9]* removed copies restored"
                + "( \\([0-9]+ the guest had replaced since\\))?; started again\\n.*"), out);
        assertTrue(out.contains("\n  r2: not reached: untouched, on v1\n"), out);
        assertTrue(out.contains("\nThe rollout rolled back: v1 stays current and every child the rollout reached is back on it; v2 is kept, not current"), out);

        assertEquals(".jspawn/bases/b1/v1", sh("readlink /var/lib/jspawn/b1"), "the old version stays current");
        assertEquals(leader2, leader("r2"), "r2 was never stopped");
        healthy("r1");
        assertEquals("same\nmine\nnot broken", guest("r1", "cat /etc/rollout-note /srv/own; test -e /etc/broken || echo not broken"),
                "r1 is back on v1 with its own file and its copy, which v1 does not have");
        assertEquals("same", sh("cat /var/lib/jspawn/r1_up/etc/rollout-note"), "the copy is in its upper dir again");
        assertFalse(box.sh("test -e /var/lib/jspawn/r1_rollout || test -e /var/lib/jspawn/.jspawn/bases/b1/rollout").exit() == 0,
                "nothing of the rollout is left");
    }

    @Test
    @Order(2)
    void anUpdateThatKeepsTheCheckGreenReachesEveryChild() {
        String leader1 = leader("r1"), leader2 = leader("r2");
        String out = sh("jspawn base upgrade --order r2,r1 b1 -- sh -c 'echo green > /etc/green'");
        assertTrue(out.matches("(?s).*\\n  r2: removed [0-9]+ identical files \\(kept aside\\), kept [0-9]+ changed; healthy on v3\\n"
                + "  r1: removed [0-9]+ identical files \\(kept aside\\), kept [0-9]+ changed; healthy on v3\\n"
                + "The rollout finished: v3 is current, and every child is on it\\.\\n?.*"), out);
        assertEquals(".jspawn/bases/b1/v3", sh("readlink /var/lib/jspawn/b1"));
        assertNotEquals(leader1, leader("r1"));
        assertNotEquals(leader2, leader("r2"));
        assertEquals("green\nsame\nmine", guest("r1", "cat /etc/green /etc/rollout-note /srv/own"));
        assertEquals("green", guest("r2", "cat /etc/green"));
    }

    @Test
    @Order(3)
    void aRolloutKilledAtAnyPointIsFinishedOrRolledBackByTheNextRun() {
        // Where each round's kill lands: after the step the upgrade says it began (so past the JVM's start), plus up to 0.9 s.
        // Odd rounds break the check (the rollout rolls back), even ones keep it green.
        List<String> at = List.of("r1: starting it", "r1: stopping it", "r1: putting it back", "r2: waiting for it", "rolling back", ": made v");
        int landed = 0;
        for (int i = 1; i <= at.size(); i++) {
            String cmd = i % 2 == 1 ? "echo round" + i + " > /etc/round; touch /etc/broken" : "echo round" + i + " > /etc/round";
            String round = sh("jspawn base upgrade b1 -- sh -c '" + cmd + "' > /tmp/up.log 2>&1 & pid=$!;"
                    + " until grep -q '" + at.get(i - 1) + "' /tmp/up.log || ! kill -0 $pid 2>/dev/null; do sleep 0.05; done;"
                    + " sleep 0.$((RANDOM % 10)); kill -KILL $pid 2>/dev/null; wait $pid; echo killed=$? at '" + at.get(i - 1) + "';"
                    + " jspawn base upgrade b1 > /tmp/again.log 2>&1; echo again=$?; cat /tmp/again.log");
            String current = sh("readlink /var/lib/jspawn/b1");
            System.out.println("round " + i + " (" + current + "):\n" + round);
            boolean resumed = round.contains("was cut short; finishing it") || round.contains("was cut short; rolling it back");
            boolean nothing = round.contains("no rollout of b1 to finish");
            assertTrue(resumed || nothing || round.contains("killed=0") || round.contains("killed=1"),
                    "the rerun finished or rolled back the rollout, or the kill came before it had begun or after it ended:\n" + round);
            if (resumed) {
                landed++;
                // A green rollout finishes; a broken one rolls back, whether it was cut short going forward or going back.
                assertTrue(round.contains(i % 2 == 1 ? "again=1" : "again=0"), round);
                assertTrue(round.contains(i % 2 == 1 ? "\nThe rollout rolled back: " : "\nThe rollout finished: "), round);
            }
            for (String c : List.of("r1", "r2")) {
                Sandbox.await(WAIT, c + " to run", () -> box.sh("systemctl is-active jspawn@" + c).out().strip().equals("active"));
                healthy(c);
            }
            assertEquals("same\nmine", guest("r1", "cat /etc/rollout-note /srv/own"), "round " + i + ": nothing of r1's lost\n" + round);
            assertFalse(box.sh("test -e /var/lib/jspawn/.jspawn/bases/b1/rollout").exit() == 0, "round " + i + ": the rollout ended\n" + round);
            assertEquals("", sh("ls -d /var/lib/jspawn/r1_rollout /var/lib/jspawn/r2_rollout 2>/dev/null || true"), "nothing kept aside left");
            String seen = guest("r2", "cat /etc/round 2>/dev/null; test -e /etc/broken && echo broken || echo fine");
            assertTrue(seen.endsWith("fine"), "round " + i + ": r2 serves (" + current + "): " + seen + "\n" + round);
        }
        assertTrue(landed >= 3, "most kills landed inside a rollout: " + landed + " of " + at.size());
    }

    /** jspawn auto-upgrade from jspawn-auto-upgrade.service, for a base whose b1.base has an UpdateCommand=. */
    @Test
    @Order(4)
    void autoUpgradeRollsOutWhatTheUpdateCommandChangedAndNothingElse() {
        assertEquals("disabled", box.sh("systemctl is-enabled jspawn-auto-upgrade.timer").out().strip(), "off until the admin enables it");
        String leader1 = leader("r1"), versions = sh("ls /var/lib/jspawn/.jspawn/bases/b1 | grep -c '^v'");
        sh("printf '[Base]\\nUpdateCommand=true\\n' > /etc/jspawn/b1.base && systemctl start jspawn-auto-upgrade.service");
        String journal = sh("journalctl -u jspawn-auto-upgrade.service --no-pager -o cat");
        assertTrue(journal.contains("b1: true changed nothing; no new version") && journal.contains("b1: the rollout had nothing to do"), journal);
        assertEquals(leader1, leader("r1"), "no child stopped");
        assertEquals(versions, sh("ls /var/lib/jspawn/.jspawn/bases/b1 | grep -c '^v'"), "no version made");

        sh("printf '[Base]\\nUpdateCommand=sh -c \"echo auto > /etc/auto\"\\n' > /etc/jspawn/b1.base &&"
                + " systemctl start jspawn-auto-upgrade.service");
        assertEquals("auto", guest("r1", "cat /etc/auto"));
        assertEquals("auto", guest("r2", "cat /etc/auto"));
        String current = sh("readlink /var/lib/jspawn/b1");

        sh("printf '[Base]\\nUpdateCommand=touch /etc/broken\\n' > /etc/jspawn/b1.base");
        String leader2 = leader("r2");
        Sandbox.Result failed = box.sh("systemctl start jspawn-auto-upgrade.service");
        assertTrue(failed.exit() != 0, "a rolled-back update fails the service");
        journal = sh("journalctl -u jspawn-auto-upgrade.service --no-pager -o cat | tail -n 30");
        assertTrue(journal.contains("b1: the rollout rolled back: "), journal);
        assertEquals(current, sh("readlink /var/lib/jspawn/b1"), "the old version stays current");
        assertEquals(leader2, leader("r2"), "r2 was never stopped");
        healthy("r1");
        sh("rm /etc/jspawn/b1.base");
    }
}
