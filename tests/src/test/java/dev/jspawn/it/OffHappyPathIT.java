package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

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
 * What a careful admin does off the happy path, against the real systemd, machined and nspawn: a
 * base updated under a child that is then restarted every way there is (systemctl restart, jspawn
 * stop and start, machinectl reboot, a reboot of the host, which here is the sandbox booting its
 * own disk again), a base version deleted by hand, and the helper killed while containers start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OffHappyPathIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Path SRC = EndToEndIT.SRC;
    static final Path STATE = Path.of(System.getProperty("jspawn.state", "target/sandbox")).toAbsolutePath().resolveSibling("sandbox-disk");

    Sandbox box;
    String image;

    @RegisterExtension
    final TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void bootSandboxOnItsOwnDiskAndInstall() {
        image = TestBase.path(SRC, EndToEndIT.STATE);
        Sandbox.exec(List.of("rm", "-rf", "--one-file-system", STATE.toString()), Duration.ofMinutes(2)).ok();
        box = Sandbox.startOnDisk(SRC, STATE);
        box.sh("/run/jspawn-src/scripts/install").ok();
        sh("cp -a " + image + " /var/lib/jspawn/b1");
        sh("printf '[Container]\\nBase=b1\\n' > /etc/jspawn/r.jspawn && systemctl daemon-reload");
    }

    @AfterAll
    void powerOffAndForgetTheDisk() {
        if (box != null) box.close();
        Sandbox.exec(List.of("rm", "-rf", "--one-file-system", STATE.toString()), Duration.ofMinutes(2)).ok();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    void awaitActive(String unit) {
        Sandbox.await(WAIT, unit + " to be active", () -> box.sh("systemctl is-active " + unit).out().strip().equals("active"));
    }

    /** A base version whose one mark is /etc/jspawn-version. */
    void update(String version) {
        sh("jspawn base update b1 -- sh -c 'echo " + version + " > /etc/jspawn-version'");
    }

    /** What the running guest itself reads, once it has booted far enough to be asked. */
    String guestSees(String machine) {
        String[] out = {""};
        Sandbox.await(WAIT, machine + " to answer", () -> {
            Sandbox.Result r = box.sh("case $(systemctl -M " + machine + " is-system-running 2>/dev/null) in running|degraded) ;; *) exit 1 ;; esac; "
                    + "machinectl shell " + machine + " /bin/cat /etc/jspawn-version 2>/dev/null | tr -d '\\r' | grep -x 'v[0-9]*'");
            out[0] = r.out().strip();
            return r.exit() == 0;
        });
        return out[0];
    }

    @Test
    @Order(1)
    void everyRestartRunsTheBasesCurrentVersion() {
        update("v2");
        sh("systemctl enable --now jspawn@r");
        assertEquals("v2", guestSees("r"));

        update("v3");
        assertEquals("v2", guestSees("r"), "a running child keeps its version");
        assertTrue(sh("jspawn status r").contains("v2"), "status names the version in use");
        sh("systemctl restart jspawn@r");
        assertEquals("v3", guestSees("r"), "systemctl restart");
        assertTrue(sh("jspawn base versions b1").matches("(?s).*\\nv3\\s+yes\\s+\\S+\\s+3\\s+r\\b.*"), sh("jspawn base versions b1"));

        update("v4");
        sh("jspawn stop r");
        assertEquals("inactive", box.sh("systemctl is-active var-lib-jspawn-r.mount").out().strip(), "stop unmounts the overlay");
        assertFalse(sh("cat /proc/self/mountinfo").contains("/run/jspawn/r/lower"), "and no view of a base stays mounted");
        sh("jspawn prune r"); // a stopped child is not mounted: prune needs no --stop
        sh("jspawn start r");
        assertEquals("v4", guestSees("r"), "jspawn stop, then start");

        update("v5");
        String leader = sh("machinectl show -p Leader --value r");
        sh("machinectl reboot r");
        Sandbox.await(WAIT, "r to come back from its reboot",
                () -> !box.sh("machinectl show -p Leader --value r").out().strip().matches("|" + leader));
        assertEquals("v5", guestSees("r"), "machinectl reboot");

        update("v6");
        box.reboot();
        awaitActive("jspawn@r");
        assertEquals("v6", guestSees("r"), "the host's reboot (the sandbox booting its disk again)");
    }

    @Test
    @Order(3)
    void aDeletedVersionFailsTheStartWithItsNameAndTheFix() {
        sh("jspawn stop r");
        sh("rm -rf /var/lib/jspawn/.jspawn/bases/b1/v6");
        Sandbox.Result start = box.sh("systemctl start jspawn@r");
        assertTrue(start.exit() != 0, "a child whose version is gone does not start");
        String status = box.sh("systemctl status --no-pager -n 20 jspawn@r").out();
        assertTrue(status.contains("base b1's current version v6 is missing"), status);
        assertTrue(status.contains("jspawn base rollback b1"), status);
        assertFalse(box.sh("machinectl show r").exit() == 0, "it never booted");

        String verify = box.sh("jspawn verify").err();
        assertTrue(verify.contains("base b1's current version v6 is missing; make v5 current with 'jspawn base rollback b1'"), verify);
        assertTrue(sh("jspawn base list --json").contains("\"current\":\"missing\""), sh("jspawn base list --json"));
        String gc = sh("jspawn base gc b1");
        assertFalse(gc.contains("removed"), "gc removes nothing of a base whose current version is gone: " + gc);
        assertEquals("v1 v2 v3 v4 v5", sh("ls /var/lib/jspawn/.jspawn/bases/b1 | sort -V | paste -sd' '"));

        sh("jspawn base rollback b1");
        sh("systemctl start jspawn@r");
        assertEquals("v5", guestSees("r"), "back on the version before");
        sh("jspawn stop r");
    }

    @Test
    @Order(4)
    void removePurgeLeavesNoMountPointAndNoFailedUnit() {
        sh("printf '[Container]\nBase=nosuch\n' > /etc/jspawn/gone.jspawn && systemctl daemon-reload");
        assertFalse(box.sh("systemctl start jspawn@gone").exit() == 0);
        assertTrue(sh("systemctl --failed --no-legend --plain").contains("jspawn@gone.service"), "precondition: its units failed");
        sh("jspawn remove --purge gone");
        assertFalse(sh("systemctl --failed --no-legend --plain").contains("gone"), sh("systemctl --failed --no-legend --plain"));
        assertFalse(holds("test -e /var/lib/jspawn/gone"), "its mount point is gone too");
    }

    boolean holds(String script) {
        return box.sh(script).exit() == 0;
    }

    @Test
    @Order(2)
    void aHelperKilledWhileFourContainersStartCostsNoStart() {
        List<String> units = List.of("jspawn@k1", "jspawn@k2", "jspawn@k3", "jspawn@k4");
        sh("for i in 1 2 3 4; do printf '[Container]\\nBase=b1\\n' > /etc/jspawn/k$i.jspawn; done; systemctl daemon-reload");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int rounds = 4;
        for (int round = 0; round < rounds; round++) {
            // Half the rounds start with no helper (the kill may hit it while it starts), half with one already serving.
            sh(round % 2 == 0 ? "systemctl stop jspawn-helper.service" : "systemctl start jspawn-helper.service");
            int delayMillis = random.nextInt(800);
            String killed = sh("systemctl start --no-block " + String.join(" ", units) + "; sleep " + delayMillis / 1000.0
                    + "; p=$(systemctl show -P MainPID jspawn-helper.service); if [ \"$p\" != 0 ]; then kill -KILL \"$p\" && echo \"$p\"; fi");
            String what = "round " + round + " (seed " + seed + "): helper " + (killed.isEmpty() ? "not running" : killed + " killed")
                    + " " + delayMillis + " ms after the starts";
            String states = "systemctl is-active " + String.join(" ", units) + " | tr '\\n' ' '";
            Sandbox.await(WAIT, "the four starts to end, " + what, () -> !box.sh(states).out().matches(".*(activating|inactive).*"));
            assertEquals("active active active active", sh(states), what);
            assertEquals(4, Integer.parseInt(sh("machinectl list --no-legend | grep -c '^k[1-4] '")), what + ": all four registered");
            sh("systemctl stop " + String.join(" ", units));
        }
        // The helper the test killed stays failed (by the signal) where nothing needed it again: the last stops unregister
        // without it. Nothing else of jspawn failed.
        String failed = sh("systemctl --failed --no-legend --plain | grep -v '^jspawn-helper\\.service ' || true");
        assertFalse(failed.contains("jspawn"), "nothing of jspawn failed but the helper killed: " + failed);
        String helper = sh("systemctl show -P Result jspawn-helper.service");
        assertTrue(helper.equals("success") || helper.equals("signal"), "the helper ended as it did or by the kill: " + helper);
        sh("systemctl reset-failed jspawn-helper.service");
    }

    @Test
    @Order(5)
    void aStopAfterTheHelperHasGoneUnregistersWithoutItOrStartsItAgain() {
        sh("printf '[Container]\\nBase=b1\\n' > /etc/jspawn/idle.jspawn && systemctl daemon-reload && systemctl start jspawn@idle");
        // The helper's JNA unpacked its native library into the helper's runtime directory (not root's ~/.cache), which goes with it.
        assertTrue(holds("test -d /run/jspawn-helper/JNA/temp"), "JNA's temporary files are under the helper's RuntimeDirectory=");
        sh("systemctl stop jspawn-helper.service");
        assertFalse(holds("test -e /run/jspawn-helper"), "systemd removed the helper's runtime directory when it stopped");
        // The helper exits when idle. The stop's ExecStopPost= Unregister removes the unit's own registration itself.
        String log = logged("systemctl stop jspawn@idle");
        assertTrue(log.contains("Unregistered machine idle."), "the stop unregistered the guest:\n" + log);
        assertFalse(log.contains("Unregister idle: "), "without the helper:\n" + log);
        assertEquals("inactive", box.sh("systemctl is-active jspawn-helper.service").out().strip(), "which was not started for it");
        assertFalse(holds("machinectl show idle"));

        // Where jspawn-register cannot tell how the guest was registered (here: the environment file the mount wrote has lost
        // its JSPAWN_REGISTER= line), the stop has to start the helper again. That start must not wait for the stop itself:
        // systemd orders a stop before a start whichever way an ordering between the two units goes, and a jspawn@ ordered
        // after the helper waited out the stop's timeout.
        sh("systemctl start jspawn@idle && systemctl stop jspawn-helper.service");
        String env = "/run/jspawn/idle/nspawn.env";
        assertTrue(holds("grep -q '^JSPAWN_REGISTER=' " + env), "precondition: " + env + " says how the guest is registered");
        sh("sed -i '/^JSPAWN_REGISTER=/d' " + env);
        log = logged("systemctl stop jspawn@idle");
        assertTrue(log.contains("Unregister idle: "), "the stop's Unregister reached a helper started for it:\n" + log);
        assertFalse(log.lines().anyMatch(l -> l.contains("jspawn@idle") && l.contains("timed out")), log);
        assertEquals("inactive", box.sh("systemctl is-active jspawn@idle").out().strip());
        assertFalse(holds("machinectl show idle"), "and the guest is unregistered");
    }

    String logged(String script) {
        return box.logged(script);
    }

    @Test
    @Order(7)
    void aStartWithoutTheHelperDoesAgainWhatItPreparedUntilSomethingItDependedOnChanged() {
        // A child without a user namespace (ReleasesIT starts one with a range that way on each release). A child of a fresh
        // copy of the base, a tree, which an update here makes a stack.
        sh("cp -a " + image + " /var/lib/jspawn/plain && echo v0 > /var/lib/jspawn/plain/etc/jspawn-version"
                + " && printf '[Container]\\nBase=plain\\n[Exec]\\nPrivateUsers=no\\n' > /etc/jspawn/p.jspawn && systemctl daemon-reload && systemctl start jspawn@p");
        String version = guestSees("p");
        String again = "systemctl stop jspawn@p && systemctl stop jspawn-helper && systemctl start jspawn@p";
        String log = logged(again);
        assertTrue(log.contains("p: prepared as at its last start, without the helper"), log);
        assertFalse(log.contains("MountLayers p: "), "the helper was not asked:\n" + log);
        assertEquals(version, guestSees("p"));
        assertEquals("", sh("findmnt -rn -o TARGET | grep /run/jspawn/p/ || true"), "the view was detached once the overlay held it");

        // A view left mounted where the next one goes: the helper clears it and mounts afresh.
        sh("systemctl stop jspawn@p && mount --bind -o ro /var/lib/jspawn/plain /run/jspawn/p/lower/0");
        log = logged("systemctl stop jspawn-helper && systemctl start jspawn@p");
        assertTrue(log.contains("MountLayers p: ") && !log.contains("without the helper"), log);
        assertEquals("", sh("findmnt -rn -o TARGET | grep /run/jspawn/p/ || true"), "nothing of it is left mounted");
        assertEquals(version, guestSees("p")); // booted: a guest stopped before its init sets up its signals misses nspawn's

        assertTrue(holds("test -f /run/jspawn/p/prepared"), "written down again by the helper");

        // A new version of the base since: the helper mounts it. The update made the base a stack of two layers (the new one
        // over the old tree), which is written down too, and done again at the next start: each layer's clone, the overlay
        // of them, the clones detached.
        sh("systemctl stop jspawn@p && jspawn base update plain -- sh -c 'echo v9 > /etc/jspawn-version'");
        log = logged("systemctl stop jspawn-helper && systemctl start jspawn@p");
        assertTrue(log.contains("MountLayers p: ") && !log.contains("without the helper"), log);
        assertEquals("v9", guestSees("p"), "the base's new version, not the one prepared before");
        log = logged(again);
        assertTrue(log.contains("p: prepared as at its last start, without the helper"), log);
        assertFalse(log.contains("MountLayers p: "), "the helper was not asked:\n" + log);
        assertEquals("v9", guestSees("p"), "the stack's top layer, over the tree below it");
        assertEquals("", sh("findmnt -rn -o TARGET | grep /run/jspawn/p/ || true"), "the clones and the view were detached once the overlay held them");

        // A clone left mounted where a layer's goes: the helper again.
        sh("systemctl stop jspawn@p && mount --bind -o ro /var/lib/jspawn/plain /run/jspawn/p/stack/0/1");
        log = logged("systemctl stop jspawn-helper && systemctl start jspawn@p");
        assertTrue(log.contains("MountLayers p: ") && !log.contains("without the helper"), log);
        assertEquals("", sh("findmnt -rn -o TARGET | grep /run/jspawn/p/ || true"), "nothing of it is left mounted");
        assertEquals("v9", guestSees("p"));

        // A removed child's record goes with it: a new child of that name is prepared afresh.
        sh("touch /run/jspawn/p/prepared && jspawn remove --stop --purge p");
        assertFalse(holds("test -e /run/jspawn/p/prepared"), "jspawn remove took what the last start prepared");
    }

    @Test
    @Order(6)
    void whatTheSandboxWritesUnderRootsHomeStaysInIt() {
        // A service run as root writes under ~ (JNA did, before the helper had a runtime directory): the host's /root is
        // only the lower layer of the sandbox's.
        String probe = ".jspawn-sandbox-probe-" + ProcessHandle.current().pid();
        sh("touch /root/" + probe);
        assertTrue(holds("test -e /root/" + probe));
        assertFalse(java.nio.file.Files.exists(Path.of("/root", probe)), "the write reached the host's /root");
    }
}
