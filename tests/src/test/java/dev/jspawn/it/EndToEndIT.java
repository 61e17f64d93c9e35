package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
 * The how-to, end to end, against the real thing: systemd as PID 1 (in a sandbox), the real
 * systemd-machined, systemd-nspawn booting a real Debian guest, and the real machinectl as the
 * client. jspawn is installed into the sandbox with scripts/install. Needs root; never skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Path SRC = Path.of(System.getProperty("jspawn.src", "..")).toAbsolutePath().normalize();
    static final Path STATE = Path.of(System.getProperty("jspawn.state", "target/sandbox")).toAbsolutePath();
    static final String ROOT_PASSWORD = TestBase.ROOT_PASSWORD;

    Sandbox box;

    @RegisterExtension
    final TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void bootSandboxAndInstall() {
        String image = TestBase.path(SRC, STATE);
        box = Sandbox.start(SRC, STATE);
        box.sh("/run/jspawn-src/scripts/install").ok();
        // machinectl shell once the guest has booted: with NotifyReady=no (the default, as stock nspawn's)
        // a start returns as soon as the guest's init runs, while the guest still boots.
        box.sh("printf '%s\\n' '#!/bin/sh' 'for i in $(seq 600); do s=$(systemctl -M \"$1\" is-system-running 2>/dev/null);'"
                + " '  case $s in running|degraded) exec machinectl shell \"$@\" ;; esac; sleep 0.1; done'"
                + " 'echo \"guest-shell: $1 did not boot\" >&2; exit 1' > /usr/bin/guest-shell && chmod +x /usr/bin/guest-shell").ok();
        box.sh("cp -a " + image + " /var/lib/jspawn/default-ns-1").ok();
        box.sh("printf '[Container]\\nBase=default-ns-1\\n' > /etc/jspawn/child_apache.jspawn").ok();
    }

    @AfterAll
    void powerOffSandbox() {
        if (box != null) box.close();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    boolean holds(String script) {
        return box.sh(script).exit() == 0;
    }

    String machineProperty(String machine, String property) {
        return box.sh("machinectl show --value -p " + property + " " + machine).out().strip();
    }

    /** The host UID the guest's init runs as (nspawn's child, the registered leader). */
    long leaderUid(String machine) {
        return Long.parseLong(sh("awk '/^Uid:/{print $2}' /proc/" + machineProperty(machine, "Leader") + "/status"));
    }

    long owner(String path) {
        return Long.parseLong(sh("stat -c %u " + path));
    }

    void awaitActive(String unit, String state) {
        Sandbox.await(WAIT, unit + " to be " + state, () -> sh("systemctl is-active " + unit + " || true").equals(state));
    }

    @Test
    @Order(1)
    void generatorWritesUnitsThatSystemdAnalyzeVerifyAccepts() {
        sh("systemctl daemon-reload");
        List<String> generated = List.of(sh("cd /run/systemd/generator && ls -d var-lib-jspawn-* jspawn*@child_apache.service.d/* "
                + "local-fs.target.wants/var-lib-jspawn-*").split("\n"));
        assertEquals(List.of("jspawn-dirs@child_apache.service.d/50-jspawn.conf", "jspawn@child_apache.service.d/50-jspawn.conf",
                "local-fs.target.wants/var-lib-jspawn-child_apache.automount",
                "var-lib-jspawn-child_apache.automount", "var-lib-jspawn-child_apache.mount"), generated);
        Sandbox.Result verify = box.sh("cd /tmp && systemd-analyze verify --generators=yes jspawn@child_apache.service "
                + "jspawn-dirs@child_apache.service var-lib-jspawn-child_apache.mount var-lib-jspawn-child_apache.automount");
        assertEquals(0, verify.exit(), verify.err());
        assertEquals("", verify.err().strip(), "systemd-analyze verify complained");
        assertTrue(sh("systemctl show --value -p WantedBy var-lib-jspawn-child_apache.automount").contains("local-fs.target"),
                "the automount is pulled in at boot, as fstab's x-systemd.automount with nofail does");
        assertFalse(sh("systemctl show --value -p RequiredBy var-lib-jspawn-child_apache.automount").contains("local-fs.target"),
                "and the boot does not depend on it");
        assertEquals("inactive", sh("systemctl is-active var-lib-jspawn-child_apache.mount || true"), "the mount waits for demand");
    }

    @Test
    @Order(2)
    void enableThenStartRegistersTheGuestWithMachined() {
        sh("systemctl enable jspawn@child_apache");
        assertTrue(holds("test -L /etc/systemd/system/machines.target.wants/jspawn@child_apache.service"));
        sh("systemctl start jspawn@child_apache");
        assertEquals("active", sh("systemctl is-active jspawn@child_apache"));
        assertEquals("active", sh("systemctl is-active var-lib-jspawn-child_apache.mount"));

        String list = sh("machinectl list --no-legend");
        assertTrue(list.matches("(?s)child-apache\\s+container\\s+jspawn\\s+debian\\s+12.*"), list);
        assertEquals("jspawn@child_apache.service", machineProperty("child-apache", "Unit"));
        assertEquals("/var/lib/jspawn/child_apache", machineProperty("child-apache", "RootDirectory"));
        String leader = machineProperty("child-apache", "Leader");
        assertEquals(leader, sh("cat /proc/$(systemctl show --value -p MainPID jspawn@child_apache)/task/*/children | tr -d ' '"),
                "the leader is the guest's init, systemd-nspawn's child");
        assertEquals("systemd", sh("cat /proc/" + leader + "/comm"));
        String status = sh("machinectl status --no-pager child-apache");
        assertTrue(status.matches("(?s).*\\n\\s*Iface: ve-child-apache\\n.*"), "the host side of the veth is registered:\n" + status);
        assertEquals(sh("guest-shell child-apache /bin/cat /etc/machine-id | tr -d '\\r'"), machineProperty("child-apache", "Id"),
                "registered with the guest's own machine ID");
        // Asked twice (jspawn-nspawn as nspawn starts, jspawn-register once the init runs), the helper registers once:
        // whichever call comes second finds it registered. (Which one comes first is a race the early one mostly wins.)
        Sandbox.await(WAIT, "both registration calls to be answered", () -> sh("journalctl --no-pager -o cat -u jspawn-helper"
                + " | grep -c 'Register child-apache: Machine child-apache registered already (leader " + leader + ").' || true").equals("1"));
        assertEquals("1", sh("journalctl --no-pager -o cat -u jspawn-helper | grep -c 'Register child-apache: Registered machine child-apache (leader "
                + leader + ", interface index' || true"), "registered once, with the veth's host side");

        // Guest root is not host root: the guest's init runs as the first UID of the child's own range, recorded as its upper dir's owner.
        long range = owner("/var/lib/jspawn/child_apache_up");
        assertTrue(range >= 0x80000 && range % 65536 == 0, "a range picked as nspawn picks: " + range);
        assertEquals(range, leaderUid("child-apache"), "the guest's init is an unprivileged host UID");
        assertEquals("0", sh("guest-shell child-apache /usr/bin/id -u | tr -d '\\r' | grep -x '[0-9]*'"), "inside, it is root");
        assertEquals("700", sh("stat -c %a /var/lib/jspawn"), "the image root is root's alone, as /var/lib/machines");
        assertEquals(0, owner("/var/lib/jspawn/default-ns-1/etc/os-release"), "the base's files are root's");
        assertEquals(range, owner("/var/lib/jspawn/child_apache/etc/os-release"), "the overlay shows them through a view idmapped to the range");
        assertFalse(holds("grep -q ' /run/jspawn/child_apache/lower/' /proc/self/mountinfo"), "the view is detached once the overlay holds it");

        String jspawnList = sh("jspawn list");
        assertTrue(jspawnList.matches("(?s).*child_apache\\s+child-apache\\s+active \\(running\\)\\s+active \\(mounted\\)\\s+running.*"), jspawnList);
        assertTrue(sh("jspawn status child-apache").contains("Machine: running, leader " + leader), "status accepts the machine name");
    }

    @Test
    @Order(3)
    void whatTheGuestWritesLandsInItsUpperDirNeverInTheBase() {
        box.sh("guest-shell child-apache /bin/sh -c 'echo written-by-guest > /root/from-guest'").ok();
        assertEquals("written-by-guest", sh("cat /var/lib/jspawn/child_apache_up/root/from-guest"));
        assertEquals("written-by-guest", sh("cat /var/lib/jspawn/child_apache/root/from-guest"));
        assertFalse(holds("test -e /var/lib/jspawn/default-ns-1/root/from-guest"), "the base was written");
        long range = owner("/var/lib/jspawn/child_apache_up");
        assertEquals(range, owner("/var/lib/jspawn/child_apache_up/root/from-guest"), "what the guest writes is owned by its range on disk");
        assertEquals(0, owner("/var/lib/jspawn/default-ns-1/etc/os-release"), "the base stays root's");
        assertEquals(0, owner("/var/lib/jspawn/default-ns-1/"), "the base stays root's");

        // A guest's setuid root shell is not a way to host root: its owner is the range, and host users cannot reach it.
        box.sh("guest-shell child-apache /bin/sh -c 'cp /bin/bash /root/rootsh && chmod 4755 /root/rootsh'").ok();
        assertEquals(range, owner("/var/lib/jspawn/child_apache_up/root/rootsh"));
        Sandbox.Result asNobody = box.sh("setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
                + " /bin/sh -c '/var/lib/jspawn/child_apache_up/root/rootsh -p -c \"id -u\"'"); // (setpriv itself execs before it drops all)
        assertNotEquals(0, asNobody.exit(), "a host user ran the guest's setuid file: " + asNobody.out());
        assertFalse(asNobody.out().strip().equals("0"));
        sh("rm /var/lib/jspawn/child_apache_up/root/rootsh");
    }

    @Test
    @Order(4)
    void machinectlRebootThreeTimesComesBackRegisteredEachTime() {
        for (int i = 1; i <= 3; i++) {
            String before = machineProperty("child-apache", "Leader");
            sh("machinectl reboot child-apache");
            int round = i;
            Sandbox.await(WAIT, "reboot " + i + " to come back registered", () -> {
                String now = machineProperty("child-apache", "Leader");
                return !now.isEmpty() && !now.equals(before) && sh("systemctl is-active jspawn@child_apache || true").equals("active")
                        && sh("systemctl show --value -p NRestarts jspawn@child_apache").equals(Integer.toString(round));
            });
            assertEquals("running", machineProperty("child-apache", "State"));
        }
        assertEquals("written-by-guest", sh("cat /var/lib/jspawn/child_apache/root/from-guest"), "the upper dir survives reboots");
        assertEquals(owner("/var/lib/jspawn/child_apache_up"), leaderUid("child-apache"), "a restart keeps the range");
        // Four starts in a few seconds: systemd's start limit (5 in 10 s, for every unit, stock systemd-nspawn@ too) would
        // refuse the later tests' next starts on a fast host.
        sh("systemctl reset-failed jspawn@child_apache");
    }

    @Test
    @Order(5)
    void aSecondChildOfTheSameBaseRunsBesideIt() {
        sh("cat > /etc/jspawn/child_web.jspawn <<'EOF'\n[Container]\nBase=default-ns-1\n[Exec]\n"
                + "Environment=GREETING=costs $5 for 100% \"quoted\" \\ end\n[Network]\nPort=tcp:8080:80\nEOF");
        sh("systemctl daemon-reload && systemctl start jspawn@child_web");
        String list = sh("machinectl list --no-legend");
        assertTrue(list.contains("child-apache") && list.contains("child-web"), list);
        String leader = machineProperty("child-web", "Leader");
        assertNotEquals(machineProperty("child-apache", "Leader"), leader);
        assertTrue(sh("tr '\\0' '\\n' < /proc/" + leader + "/environ").lines().anyMatch("GREETING=costs $5 for 100% \"quoted\" \\ end"::equals),
                "the value reached the guest exactly, through unit-file quoting");
        assertFalse(holds("test -e /var/lib/jspawn/child_web_up/root/from-guest"), "children share nothing but the base");
        long web = leaderUid("child-web"), apache = leaderUid("child-apache");
        assertTrue(web >= 0x80000 && Math.abs(web - apache) >= 65536, "two children of one base, distinct ranges: " + web + " " + apache);
        assertEquals(web, owner("/var/lib/jspawn/child_web_up"));

        // A second file claiming a running child's machine name costs only itself.
        String leader2 = machineProperty("child-apache", "Leader");
        sh("printf '[Container]\\nBase=default-ns-1\\nMachineName=child-apache\\n' > /etc/jspawn/dup.jspawn && systemctl daemon-reload");
        assertFalse(holds("systemctl start jspawn@dup"));
        assertEquals(leader2, machineProperty("child-apache", "Leader"), "the running child is still registered");
        assertEquals("active", sh("systemctl is-active jspawn@child_apache"));
        // Status reads only its own files, and asks systemd what the generator made of them (SourcePath=, DropInPaths=).
        Sandbox.Result dup = box.sh("jspawn status dup");
        assertEquals(3, dup.exit(), dup.out() + dup.err());
        assertTrue(dup.out().contains("Warning: no units were generated from it at the last daemon-reload"), dup.out());
        assertFalse(sh("jspawn status child_apache").contains("Warning"), "the running child's units are its files'");
        sh("touch /etc/jspawn/child_apache.jspawn");
        assertTrue(sh("jspawn status child_apache").contains("Warning: its files changed since its units were generated"));
        sh("rm /etc/jspawn/dup.jspawn && systemctl daemon-reload");
        assertFalse(sh("jspawn status child_apache").contains("Warning"), "generated again");
    }

    @Test
    @Order(6)
    void machinectlPoweroffStopsTheUnitAndLeavesNoMachine() {
        sh("machinectl poweroff child-apache");
        awaitActive("jspawn@child_apache", "inactive");
        Sandbox.await(WAIT, "child-apache to leave machined", () -> !holds("machinectl show child-apache"));
        assertTrue(sh("machinectl list --no-legend").contains("child-web"), "the other child is untouched");
        sh("machinectl poweroff child-web");
        awaitActive("jspawn@child_web", "inactive");
        Sandbox.await(WAIT, "no machines left", () -> sh("machinectl list --no-legend").isEmpty());
    }

    @Test
    @Order(7)
    void anEnabledChildStartsWithMachinesTarget() {
        sh("systemctl restart machines.target");
        awaitActive("jspawn@child_apache", "active");
        Sandbox.await(WAIT, "child-apache to be registered", () -> machineProperty("child-apache", "State").equals("running"));
        assertEquals("inactive", sh("systemctl is-active jspawn@child_web || true"), "child_web was not enabled");
        sh("machinectl poweroff child-apache");
        awaitActive("jspawn@child_apache", "inactive");
    }

    @Test
    @Order(8)
    void aChildOfALayeredBaseSeesEveryLayer() {
        sh("printf '[Base]\\nBase=default-ns-1\\n' > /etc/jspawn/web-base.base"
                + " && mkdir -p /var/lib/jspawn/web-base/etc && echo from-web-base > /var/lib/jspawn/web-base/etc/web-base-marker"
                + " && printf '[Container]\\nBase=web-base\\n' > /etc/jspawn/child_php.jspawn"
                + " && systemctl daemon-reload && jspawn verify && systemctl start jspawn@child_php");
        assertTrue(sh("systemctl show --value -p Options var-lib-jspawn-child_php.mount")
                .contains("lowerdir=/run/jspawn/child_php/lower/0:/run/jspawn/child_php/lower/1,"));
        // Every layer has its own idmapped view: of web-base, then of default-ns-1 (detached once the overlay holds them).
        long range = owner("/var/lib/jspawn/child_php_up");
        assertEquals(range, owner("/var/lib/jspawn/child_php/etc/web-base-marker"));
        assertEquals(range, owner("/var/lib/jspawn/child_php/etc/os-release"));
        assertEquals("from-web-base", sh("guest-shell child-php /bin/cat /etc/web-base-marker | tr -d '\\r' | grep from"));
        assertTrue(sh("guest-shell child-php /bin/cat /etc/os-release").contains("Debian GNU/Linux 12"), "the bottom layer shows through");
        sh("machinectl poweroff child-php");
        awaitActive("jspawn@child_php", "inactive");
    }

    @Test
    @Order(9)
    void pruneKeepsWhatTheGuestChangedAndRestoreBringsItBack() {
        // As after a boot: the automount set up, the mount only on demand (systemd refuses an automount on a mounted path).
        // systemd starts automounts only where the kernel has autofs (/dev/autofs); some VM kernels are built without it.
        boolean autofs = holds("test -e /dev/autofs");
        sh("systemctl stop var-lib-jspawn-child_apache.mount && systemctl start " + (autofs ? "var-lib-jspawn-child_apache.automount " : "")
                + "jspawn@child_apache");
        // A copy-up that changed nothing (same content written back), and a real change.
        box.sh("guest-shell child-apache /bin/sh -c 'cat /etc/debian_version > /tmp/v && cat /tmp/v > /etc/debian_version"
                + " && echo changed-by-guest >> /etc/issue'").ok();
        assertTrue(holds("test -f /var/lib/jspawn/child_apache_up/etc/debian_version"));
        Sandbox.Result refused = box.sh("jspawn prune child_apache");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("child_apache is running (jspawn@child_apache.service is active); stop it first, or pass --stop"), refused.err());

        String pruned = sh("jspawn prune --stop child_apache");
        assertTrue(pruned.contains("keep etc/issue (changed by the child)"), pruned);
        assertFalse(holds("test -e /var/lib/jspawn/child_apache_up/etc/debian_version"), "the identical copy is gone");
        assertTrue(sh("cat /var/lib/jspawn/child_apache_up/etc/issue").contains("changed-by-guest"));
        assertEquals("inactive", sh("systemctl is-active jspawn@child_apache || true"));
        assertEquals(autofs ? "active" : "inactive", sh("systemctl is-active var-lib-jspawn-child_apache.automount || true"),
                "the automount is back where it was set up, and nothing started in its place where it could not be");

        sh("jspawn prune --prefer-base child_apache");
        assertTrue(sh("cat /var/lib/jspawn/child_apache_backup/etc/issue").contains("changed-by-guest"));
        sh("systemctl start jspawn@child_apache");
        assertFalse(sh("guest-shell child-apache /bin/cat /etc/issue").contains("changed-by-guest"), "the base's version shows");
        assertEquals("written-by-guest", sh("cat /var/lib/jspawn/child_apache/root/from-guest"), "the child's own files are untouched");

        sh("jspawn restore --stop child-apache /etc/issue && systemctl start jspawn@child_apache");
        assertTrue(sh("guest-shell child-apache /bin/cat /etc/issue").contains("changed-by-guest"), "the child's version is back");
        sh("machinectl poweroff child-apache");
        awaitActive("jspawn@child_apache", "inactive");
    }

    @Test
    @Order(10)
    void createThenRemoveAChild() {
        sh("jspawn create child_new --base default-ns-1 --port tcp:8081:80");
        assertTrue(sh("cat /etc/jspawn/child_new.jspawn").contains("Port=tcp:8081:80"));
        assertEquals("", sh("ls -A /var/lib/jspawn | grep child_new || true"), "the child costs no disk until it runs");
        sh("systemctl start jspawn@child_new");
        assertTrue(sh("machinectl list --no-legend").contains("child-new"));
        assertTrue(sh("jspawn list --size").lines().anyMatch(l -> l.matches("child_new +child-new +active \\(running\\) .* running +[0-9.]+[KM] +[0-9]+ +none +(v[0-9]+|-)")),
                "jspawn list shows the upper dir's size");
        Sandbox.Result refused = box.sh("jspawn remove child_new");
        assertEquals(1, refused.exit(), refused.err());
        sh("jspawn remove --stop child_new");
        assertFalse(holds("test -e /etc/jspawn/child_new.jspawn"));
        assertEquals("not-found", sh("systemctl show --value -p LoadState var-lib-jspawn-child_new.mount"), "its units are gone");
        assertTrue(holds("test -d /var/lib/jspawn/child_new_up/etc"), "what it wrote is kept");
        assertFalse(holds("machinectl show child-new"));
    }

    @Test
    @Order(11)
    void baseUpgradeUpdatesPrunesAndRestartsLosingNothing() {
        sh("systemctl start jspawn@child_apache");
        box.sh("guest-shell child-apache /bin/sh -c 'cat /etc/debian_version > /tmp/v && cat /tmp/v > /etc/debian_version'").ok();
        assertTrue(holds("test -f /var/lib/jspawn/child_apache_up/etc/debian_version"));
        String leader = machineProperty("child-apache", "Leader");

        String upgrade = sh("jspawn base upgrade default-ns-1 -- /bin/sh -c 'echo from-v2 > /etc/jspawn-v2'");
        // A rollout: v2 is made, child_apache moves to it and comes up (no HealthCmd=: its system running or degraded), then v2 is current.
        assertTrue(upgrade.contains("default-ns-1: made v2 (2 layers, the new one "), upgrade);
        assertTrue(upgrade.matches("(?s).*\\n  child_apache: removed [1-9][0-9]* identical files \\(kept aside\\), kept [0-9]+ changed; healthy on v2\\n.*"), upgrade);
        assertTrue(upgrade.contains("\nThe rollout finished: v2 is current, and every child is on it."), upgrade);
        assertFalse(holds("test -e /var/lib/jspawn/child_apache_rollout"), "what the prune kept aside went once the rollout was done");
        assertEquals(".jspawn/bases/default-ns-1/v2", sh("readlink /var/lib/jspawn/default-ns-1"));
        assertFalse(holds("test -e /var/lib/jspawn/.jspawn/bases/default-ns-1/v1/etc/jspawn-v2"), "the old version was not touched");

        Sandbox.await(WAIT, "child-apache to be registered again", () -> {
            String now = machineProperty("child-apache", "Leader");
            return !now.isEmpty() && !now.equals(leader);
        });
        assertEquals("from-v2", sh("guest-shell child-apache /bin/cat /etc/jspawn-v2 | tr -d '\\r' | grep from"), "the guest sees the new base");
        assertTrue(sh("guest-shell child-apache /bin/cat /etc/issue").contains("changed-by-guest"), "the child's change is still the child's");
        assertFalse(holds("test -e /var/lib/jspawn/child_apache_up/etc/debian_version"), "the identical copy is gone");
        assertEquals("written-by-guest", sh("cat /var/lib/jspawn/child_apache/root/from-guest"), "the child's own files are still there");

        String versions = sh("jspawn base versions default-ns-1");
        assertTrue(versions.matches("(?s).*\\nv1 +[0-9.]+M +tree +-\\nv2 +yes +[0-9.]+M +2 +child_apache\\n?.*"), versions);
        String gc = sh("jspawn base gc");
        assertTrue(gc.lines().anyMatch(l -> l.equals("kept default-ns-1 v1: the bottom layer of v2")), "v2 is a layer on v1, which stays: " + gc);
        assertTrue(Long.parseLong(sh("du -s --block-size=1 $(readlink -f /var/lib/jspawn/default-ns-1/layer@1) | cut -f1")) < (5 << 20),
                "the update cost what it changed, not a copy of the base");

        Sandbox.Result failed = box.sh("jspawn base update default-ns-1 -- /bin/false");
        assertEquals(1, failed.exit());
        assertTrue(failed.err().contains("/bin/false failed (exit status 1); the base is unchanged"), failed.err());
        assertEquals(".jspawn/bases/default-ns-1/v2", sh("readlink /var/lib/jspawn/default-ns-1"));
        assertEquals("v1 v2", sh("ls /var/lib/jspawn/.jspawn/bases/default-ns-1 | paste -sd' '"), "no half-made version is left");

        sh("jspawn base update default-ns-1 -- /bin/true");
        assertTrue(sh("jspawn base versions default-ns-1").matches("(?s).*\\nv2 +[0-9.]+M +2 +child_apache\\nv3 +yes +[0-9.]+M +3 +-\\n?"),
                "a running child keeps its version until it restarts: " + sh("jspawn base versions default-ns-1"));
        sh("jspawn base rollback default-ns-1");
        assertEquals(".jspawn/bases/default-ns-1/v2", sh("readlink /var/lib/jspawn/default-ns-1"));
        assertTrue(sh("jspawn base gc default-ns-1").contains("removed default-ns-1 v3"));
        sh("machinectl poweroff child-apache");
        awaitActive("jspawn@child_apache", "inactive");

        // A layered base: its new version adds one layer over its own, made over its parent chain.
        sh("jspawn base update web-base -- /bin/sh -c 'echo web-v2 > /etc/web-v2 && test -f /etc/os-release'");
        assertEquals(".jspawn/bases/web-base/v2", sh("readlink /var/lib/jspawn/web-base"));
        assertEquals("web-v2", sh("cat /var/lib/jspawn/web-base/layer@1/etc/web-v2"));
        assertEquals("from-web-base", sh("cat /var/lib/jspawn/web-base/layer@0/etc/web-base-marker"));
        assertFalse(holds("test -e /var/lib/jspawn/web-base/layer@1/usr/bin/ls"), "the layer did not absorb its parent");
        sh("systemctl start jspawn@child_php");
        assertEquals("web-v2", sh("guest-shell child-php /bin/cat /etc/web-v2 | tr -d '\\r' | grep web"));
        assertEquals("from-web-base", sh("guest-shell child-php /bin/cat /etc/web-base-marker | tr -d '\\r' | grep from"));
        sh("machinectl poweroff child-php");
        awaitActive("jspawn@child_php", "inactive");
    }

    @Test
    @Order(12)
    void baseCreateFromATarballOrADirectory() {
        sh("mkdir -p /tmp/t/usr/lib /tmp/t/etc && echo ID=tiny > /tmp/t/usr/lib/os-release && tar -C /tmp/t -cf /tmp/t.tar .");
        String created = sh("jspawn base create tiny --from-tar /tmp/t.tar");
        assertTrue(created.contains("Created base tiny (v1"), created);
        assertEquals("ID=tiny", sh("cat /var/lib/jspawn/tiny/usr/lib/os-release"));
        assertEquals("LANG=C.UTF-8", sh("cat /var/lib/jspawn/tiny/etc/locale.conf"), "the how-to's setup ran");
        assertEquals(1, box.sh("jspawn base create tiny --from-tar /tmp/t.tar").exit(), "never over an existing base");
        Sandbox.Result bad = box.sh("mkdir -p /tmp/empty && jspawn base create notanos --from-dir /tmp/empty");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("not an OS tree; nothing was created"), bad.err());
        assertFalse(holds("test -e /var/lib/jspawn/notanos || ls /var/lib/jspawn/.jspawn/bases/notanos/* >/dev/null 2>&1"));
        sh("jspawn base create copy-of-v2 --from-dir /var/lib/jspawn/default-ns-1/");
        assertTrue(sh("jspawn base list").lines().anyMatch(l -> l.matches("copy-of-v2 +v1 +1 +[0-9.]+M +-")), sh("jspawn base list"));
    }

    @Test
    @Order(13)
    void aBadFileNeitherStopsTheOthersNorStartsAndAMissingOneSaysSo() {
        sh("printf '[Container]\\nBase=/x,lowerdir=/etc\\n' > /etc/jspawn/bad.jspawn && systemctl daemon-reload");
        assertTrue(holds("test -f /run/systemd/generator/var-lib-jspawn-child_apache.mount"), "good files are still converted");
        assertFalse(holds("ls /run/systemd/generator | grep -q bad"), "nothing is written for the bad file");
        assertTrue(sh("dmesg | grep jspawn-generator | tail -3").contains("bad.jspawn:2: [Container] Base=: path \"/x,lowerdir=/etc\" is refused"),
                "the generator logs the error to the kernel log, which the journal keeps");

        assertFalse(holds("systemctl start jspawn@bad"));
        String badLog = sh("journalctl --no-pager -u jspawn@bad.service");
        assertTrue(badLog.contains("/etc/jspawn/bad.jspawn is invalid, so no units were generated for it"), badLog);
        assertTrue(badLog.contains("bad.jspawn:2: [Container] Base=: path \"/x,lowerdir=/etc\" is refused: ',' would end the mount option"), badLog);

        assertFalse(holds("systemctl start jspawn@nothere"));
        String missingLog = sh("journalctl --no-pager -u jspawn@nothere.service");
        assertTrue(missingLog.contains("no container nothere: there is no nothere.jspawn in /etc/jspawn:/run/jspawn:/usr/lib/jspawn"), missingLog);

        assertEquals(1, box.sh("jspawn verify").exit());
        sh("rm /etc/jspawn/bad.jspawn && systemctl daemon-reload && jspawn verify");

        // A FIFO and a link to /dev/zero once blocked the generator until systemd's timeout (90 s), leaving every container without units.
        sh("mkfifo /etc/jspawn/fifo.jspawn && ln -s /dev/zero /etc/jspawn/zero.jspawn && rm -rf /run/systemd/generator/var-lib-jspawn-child_apache.*");
        sh("timeout 60 systemctl daemon-reload"); // the old hang lasted systemd's 90 s generator timeout: exit 124 here
        assertTrue(holds("test -f /run/systemd/generator/var-lib-jspawn-child_apache.mount"), "the good file got its units again");
        String kmsg = sh("dmesg | grep jspawn-generator | tail -4");
        assertTrue(kmsg.contains("fifo.jspawn: is a FIFO, not a regular file, ignoring"), kmsg);
        assertTrue(kmsg.contains("zero.jspawn: is a character device, not a regular file, ignoring"), kmsg);
        sh("rm /etc/jspawn/fifo.jspawn /etc/jspawn/zero.jspawn && systemctl daemon-reload");
    }
    @Test
    @Order(14)
    void aChildMadeWithoutAUserNamespaceKeepsRunningAndConvertsInPlace() {
        // As before user namespaces: guest root is host root, and the upper dir is root's.
        sh("printf '[Container]\\nBase=default-ns-1\\n[Exec]\\nPrivateUsers=no\\n' > /etc/jspawn/old_one.jspawn"
                + " && systemctl daemon-reload && systemctl start jspawn@old_one");
        assertEquals(0, leaderUid("old-one"));
        box.sh("guest-shell old-one /bin/sh -c 'echo legacy > /root/legacy && cp /bin/true /root/suid && chmod 4755 /root/suid'").ok();
        assertEquals(0, owner("/var/lib/jspawn/old_one_up/root/legacy"));
        sh("machinectl poweroff old-one");
        awaitActive("jspawn@old_one", "inactive");

        // The admin drops PrivateUsers=no: the child still runs as it did, and verify and status say so.
        sh("printf '[Container]\\nBase=default-ns-1\\n' > /etc/jspawn/old_one.jspawn && systemctl daemon-reload");
        Sandbox.Result verify = box.sh("jspawn verify");
        assertEquals(0, verify.exit(), verify.err());
        assertTrue(verify.err().contains("old_one runs without a user namespace") && verify.err().contains("jspawn convert-userns old_one"), verify.err());
        Sandbox.Result status = box.sh("jspawn status old_one");
        assertEquals(3, status.exit(), "not running: 3, as systemctl status");
        assertTrue(status.out().contains("Users: none: made before user namespaces, guest root is host root"), status.out());
        // An overlay still mounted when a start comes (mounted by hand here, its record for the service made old as an older
        // jspawn left it): the start prepares it again (jspawn-dirs@ runs at every start of the mount), so the record is whole.
        sh("systemctl start var-lib-jspawn-old_one.mount && sed -i /^JSPAWN_MACHINE_ID=/d /run/jspawn/old_one/nspawn.env");
        sh("systemctl start jspawn@old_one");
        assertTrue(holds("grep -q ^JSPAWN_MACHINE_ID= /run/jspawn/old_one/nspawn.env"));
        assertEquals(0, leaderUid("old-one"), "kept working without a user namespace");
        assertTrue(sh("journalctl --no-pager -u jspawn-dirs@old_one").contains("runs WITHOUT a user namespace"));

        String converted = sh("jspawn convert-userns --stop old-one");
        assertTrue(converted.matches("(?s).*Converted old_one: its guest root is now host UID [0-9]+ .*"), converted);
        long range = owner("/var/lib/jspawn/old_one_up");
        assertTrue(range >= 0x80000 && range % 65536 == 0, converted);
        assertEquals(range, owner("/var/lib/jspawn/old_one_up/root/legacy"));
        assertEquals("4755", sh("stat -c %a /var/lib/jspawn/old_one_up/root/suid"), "chown cleared the setuid bit; it is back");
        sh("systemctl start jspawn@old_one");
        assertEquals(range, leaderUid("old-one"), "now in its own namespace");
        assertEquals("0 legacy", sh("guest-shell old-one /bin/sh -c 'stat -c %u /root/legacy; cat /root/legacy' | tr -d '\\r' | paste -sd' '"),
                "inside, its files are still root's");
        assertEquals(0, owner("/var/lib/jspawn/default-ns-1/layer@0/etc/os-release"), "the base was not touched");
        assertFalse(box.sh("jspawn verify").err().contains("without a user namespace"));
        sh("machinectl poweroff old-one");
        awaitActive("jspawn@old_one", "inactive");
    }
    /** Type, mode, owner, size, times and content of every entry below each root, for before/after comparisons. */
    String manifest(String... roots) {
        return sh("for r in " + String.join(" ", roots) + "; do find \"$r\" -printf '%p %y %m %U:%G %s %T@ %C@\\n' | sort;"
                + " find \"$r\" -type f -exec sha256sum {} + | sort; done");
    }

    @Test
    @Order(15)
    void nothingAGuestLeavesInItsDirsSteersAHostSideCommand() {
        // What a hostile guest could leave in its upper dir, and in its backup dir through earlier prunes; the child never runs,
        // so the planted tree is exactly what the commands meet. The victims: a tree outside, with a FIFO (a read would hang), and the base.
        long range = 65536L * 400;
        String base = sh("realpath /var/lib/jspawn/default-ns-1") + "/"; // the current version: base upgrade makes a new one, never touching it
        sh("mkdir -p /var/victim/sub && echo secret > /var/victim/file && echo keep > /var/victim/sub/x && mkfifo /var/victim/fifo"
                + " && printf '[Container]\\nBase=default-ns-1\\n' > /etc/jspawn/evil.jspawn && systemctl daemon-reload"
                + " && up=/var/lib/jspawn/evil_up && bk=/var/lib/jspawn/evil_backup && mkdir -p $up/etc $up/usr/share $bk/etc $bk/usr"
                + " && ln -s /var/victim $up/var"                        // a top component
                + " && ln -s /var/victim $up/usr/share/doc"             // a middle one
                + " && ln -s /var/victim/file $up/etc/debian_version"   // a leaf, over a base file
                + " && ln -s " + base + "etc $up/etc/default"           // into the shared base
                + " && ln -s /var/victim/fifo $up/etc/issue"
                + " && mkfifo $up/etc/hostname && mknod $up/etc/null-copy c 1 3 && ln $up/etc/null-copy $up/etc/hardlink"
                + " && perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die' $up/etc/sock"
                + " && mkdir -p $up/usr/lib && echo changed > $up/usr/lib/os-release"   // changed: --prefer-base backs it up to usr/lib/...
                + " && ln -s /var/victim $bk/usr/lib && ln -s " + base + "etc $bk/etc/apt"  // ... where the backup dir has a symlink
                + " && mkdir -p $bk/var $bk/usr/share/doc && echo planted > $bk/var/x && echo planted > $bk/usr/share/doc/x"
                + " && chown -R -h " + range + ":" + range + " $up && chmod 0755 $up");
        String before = manifest("/var/victim", base);

        List<String> commands = List.of("jspawn prune --dry-run evil", "jspawn prune evil", "jspawn prune --prefer-base evil",
                "jspawn restore evil /etc/default/x", "jspawn restore evil /usr/lib/os-release", "jspawn restore evil /var/x",
                "jspawn restore evil /usr/share/doc/x", "jspawn restore evil /etc/apt/sources.list", "jspawn list", "jspawn status evil",
                "jspawn base versions default-ns-1", "jspawn base upgrade default-ns-1 -- /bin/true", "jspawn convert-userns evil", "jspawn verify", "jspawn remove --purge evil");
        StringBuilder log = new StringBuilder();
        for (String c : commands) {
            Sandbox.Result r = box.sh("timeout 60 " + c);
            log.append(c).append(" -> ").append(r.exit()).append(' ').append(r.err().strip()).append('\n');
            assertNotEquals(124, r.exit(), c + " hung: it opened the FIFO a guest's symlink points at\n" + log);
        }
        assertEquals(before, manifest("/var/victim", base), "something outside the child's dirs changed:\n" + log);
        assertTrue(log.toString().contains("jspawn restore evil /etc/apt/sources.list -> 1 jspawn: /var/lib/jspawn/evil_backup/etc/apt is a symlink"),
                "restore refuses to go through a guest's symlink:\n" + log);
        assertTrue(log.toString().contains("jspawn restore evil /var/x -> 1 jspawn: /var/lib/jspawn/evil_up/var is a symlink"), log.toString());
        assertTrue(log.toString().contains("jspawn prune --prefer-base evil -> 1 jspawn: /var/lib/jspawn/evil_backup/usr/lib is a symlink"), log.toString());
        assertTrue(log.toString().contains("jspawn base upgrade default-ns-1 -- /bin/true -> 0"), "the upgrade pruned the planted child: " + log);
        assertTrue(log.toString().contains("jspawn remove --purge evil -> 0"), log.toString());
        assertFalse(holds("test -e /var/lib/jspawn/evil_up || test -e /var/lib/jspawn/evil_backup"), "purged, links and all, nothing behind them");
        sh("rm -rf /var/victim");
    }
    @Test
    @Order(16)
    void whereLayersCannotBeIdmappedTheStartFailsSayingWhyAndNeverFallsBackToHostRoot() {
        // ramfs refuses idmapped mounts, as a filesystem without FS_ALLOW_IDMAP (or a kernel before 5.19) would.
        sh("mkdir -p /var/rbase && mount -t ramfs ramfs /var/rbase && mkdir -p /var/rbase/etc"
                + " && printf '[Container]\\nBase=/var/rbase\\n' > /etc/jspawn/ram.jspawn && systemctl daemon-reload");
        assertFalse(holds("systemctl start jspawn@ram"));
        String log = sh("journalctl --no-pager -u jspawn-dirs@ram");
        assertTrue(log.contains("Failed to idmap /var/rbase for a user namespace: the filesystem of /var/rbase does not support idmapped mounts")
                && log.contains("Set PrivateUsers=no in the container's file to run it without one"), log);
        assertFalse(holds("machinectl show ram"), "nothing runs");
        assertEquals("inactive", sh("systemctl is-active var-lib-jspawn-ram.mount || true"));
        sh("rm /etc/jspawn/ram.jspawn && systemctl daemon-reload && umount /var/rbase");
    }

    @Test
    @Order(17)
    void concurrentAndKilledBaseUpdatesNeverLeaveABrokenCurrentVersion() {
        // A tiny base: /usr/bin/true with its libc, and 1,500 files whose loss would show.
        sh("d=/var/tiny-src && mkdir -p $d/usr/bin $d/usr/lib/x86_64-linux-gnu $d/usr/lib64 $d/etc $d/data"
                + " && cp /usr/bin/true /usr/bin/sleep $d/usr/bin/ && cp /usr/lib/x86_64-linux-gnu/libc.so.6 $d/usr/lib/x86_64-linux-gnu/"
                + " && cp /usr/lib64/ld-linux-x86-64.so.2 $d/usr/lib64/ && ln -s usr/lib64 $d/lib64 && ln -s usr/lib $d/lib && ln -s usr/bin $d/bin"
                + " && echo ID=tiny > $d/usr/lib/os-release && for i in $(seq 1500); do echo $i > $d/data/f$i; done"
                + " && jspawn base create speck --from-dir $d >/dev/null");
        // One line: a SHA-256 over every entry's name, type, mode and size and every file's content.
        // The current version as a child sees it: one tree, or its stack's layers merged by a read-only overlay.
        String hash = "unshare --mount --propagation private sh -c 'd=$(readlink -f /var/lib/jspawn/speck); n=$(ls $d | grep -c ^layer@);"
                + " if [ $n -gt 1 ]; then l=$(for i in $(seq $((n - 1)) -1 0); do readlink -f $d/layer@$i; done | paste -sd:);"
                + " mkdir -p /run/speck-view && mount -t overlay overlay -o ro,lowerdir=$l /run/speck-view && d=/run/speck-view;"
                + " elif [ $n = 1 ]; then d=$(readlink -f $d/layer@0); fi;"
                // A directory's size is its file system's business (an overlay shows its upper dir's): left out.
                + " cd $d && { find . -type d -printf \"%P %y %m\\n\" -o -printf \"%P %y %m %s\\n\" | sort; find . -type f -print0 | sort -z"
                + " | xargs -0 sha256sum; } | sha256sum | cut -c1-64'";
        sh("jspawn base update speck -- /usr/bin/true >/dev/null"); // the reference: nspawn's first run adds its mount points (dev, proc, ...)
        String whole = sh(hash);
        assertTrue(whole.matches("[0-9a-f]{64}"), whole);

        // 20 rounds of two updates started together, then updates against gc and against rollback.
        String rounds = sh("for i in $(seq 20); do"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u1 2>&1; echo $? >/tmp/r1) &"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u2 2>&1; echo $? >/tmp/r2) & wait;"
                + " echo \"update+update $i: $(cat /tmp/r1) $(cat /tmp/r2) $(" + hash + ")\"; done;"
                + " for i in $(seq 5); do"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u1 2>&1; echo $? >/tmp/r1) & (jspawn base gc speck >/tmp/u2 2>&1; echo $? >/tmp/r2) & wait;"
                + " echo \"update+gc $i: $(cat /tmp/r1) $(cat /tmp/r2) $(" + hash + ")\";"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u1 2>&1; echo $? >/tmp/r1) & (jspawn base rollback speck >/tmp/u2 2>&1; echo $? >/tmp/r2) & wait;"
                // a rollback that wins the lock right after gc left one version has nothing to go back to: that refusal is fine
                + " echo \"update+rollback $i: $(cat /tmp/r1) $(cat /tmp/r2)$(grep -q 'has no version before' /tmp/u2 && echo -none)"
                + " $(" + hash + ")\"; done");
        String expected = whole;
        for (String line : rounds.lines().toList()) {
            assertTrue(line.matches("[a-z+]+ [0-9]+: 0 (0|1-none) " + expected), "every command succeeded and the current version is whole: " + line + "\n" + rounds);
        }
        assertEquals(30, rounds.lines().count(), rounds);

        // SIGKILL at random points of an update: afterwards the base is the old or the new version, whole; no cp or nspawn
        // of the killed run goes on writing; the next update succeeds.
        // The command inside runs 2 s, so most kills land while systemd-nspawn runs it in the new version.
        String killed = sh("command -v pgrep >/dev/null || { echo 'these checks need pgrep (procps)' >&2; exit 1; }; for i in $(seq 8); do jspawn base update speck -- /usr/bin/sleep 2 >/dev/null 2>&1 & pid=$!;"
                + " sleep $((RANDOM % 2)).$((RANDOM % 10)); during=$(pgrep -f 'speck/v[0-9]*.partial' | wc -l);"
                + " kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; sleep 0.5;"
                + " left=$(pgrep -f 'speck/v[0-9]*.partial' | wc -l);"
                + " echo \"kill $i: orphans=$left current=$(readlink /var/lib/jspawn/speck) $(" + hash + ") during=$during\"; done;"
                + " jspawn base update speck -- /usr/bin/true >/dev/null && echo \"after: $(" + hash + ")\";"
                + " ls /var/lib/jspawn/.jspawn/bases/speck | grep -c partial || true");
        List<String> lines = killed.lines().toList();
        for (String line : lines.subList(0, 8)) {
            assertTrue(line.matches("kill [0-9]+: orphans=0 current=\\.jspawn/bases/speck/v[0-9]+ " + expected + " during=[0-9]+"), line + "\n" + killed);
        }
        assertTrue(lines.subList(0, 8).stream().filter(l -> !l.endsWith("during=0")).count() >= 3,
                "too few kills landed while nspawn ran in the new version:\n" + killed);
        assertEquals("after: " + expected, lines.get(8), killed);
        assertEquals("0", lines.get(9), "the next update cleared what the killed ones left: " + killed);

        // Update against prune and against upgrade of the same base, and upgrades killed at random points. The child's upper
        // dir holds a no-op copy of a base file (prune removes it; data/ is in the bottom layer of every version) and a file of its
        // own (nothing may lose it).
        String child = "printf '[Container]\\nBase=speck\\n[Exec]\\nPrivateUsers=no\\n' > /etc/jspawn/spk.jspawn && systemctl daemon-reload"
                + " && mkdir -p /var/lib/jspawn/spk_up/data && cp -a /var/lib/jspawn/speck/layer@0/data/f7 /var/lib/jspawn/spk_up/data/"
                + " && echo mine > /var/lib/jspawn/spk_up/data/own";
        String more = sh(child + "; for i in $(seq 3); do"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u1 2>&1; echo $? >/tmp/r1) & (jspawn prune spk >/tmp/u2 2>&1; echo $? >/tmp/r2) & wait;"
                + " echo \"update+prune $i: $(cat /tmp/r1) $(cat /tmp/r2) $(" + hash + ") $(ls /var/lib/jspawn/spk_up/data | tr '\\n' ,)\";"
                + " cp -a /var/lib/jspawn/speck/layer@0/data/f7 /var/lib/jspawn/spk_up/data/;"
                + " (jspawn base update speck -- /usr/bin/true >/tmp/u1 2>&1; echo $? >/tmp/r1) &"
                + " (jspawn base upgrade --no-rollback speck -- /usr/bin/true >/tmp/u2 2>&1; echo $? >/tmp/r2) & wait;"
                + " echo \"update+upgrade $i: $(cat /tmp/r1) $(cat /tmp/r2) $(" + hash + ") $(ls /var/lib/jspawn/spk_up/data | tr '\\n' ,)\";"
                + " cp -a /var/lib/jspawn/speck/layer@0/data/f7 /var/lib/jspawn/spk_up/data/; done;"
                + " for i in $(seq 5); do jspawn base upgrade --no-rollback speck -- /usr/bin/sleep 2 >/dev/null 2>&1 & pid=$!;"
                + " sleep $((RANDOM % 3)).$((RANDOM % 10)); kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null; sleep 0.5;"
                + " echo \"killed upgrade $i: orphans=$(pgrep -f 'speck/v[0-9]*.partial' | wc -l) $(" + hash + ")"
                + " $(ls /var/lib/jspawn/spk_up/data | grep -c own)\"; done;"
                + " jspawn base upgrade --no-rollback speck -- /usr/bin/true >/tmp/u1 2>&1 && echo \"upgrade after: $(" + hash + ") $(ls /var/lib/jspawn/spk_up/data | tr '\\n' ,)\"");
        for (String line : more.lines().toList()) {
            if (line.startsWith("update+")) {
                assertTrue(line.matches("update\\+(prune|upgrade) [0-9]: 0 0 " + expected + " own,"), "both succeeded, the no-op copy went, the child's own"
                        + " file stayed, the base is whole: " + line + "\n" + more);
            } else if (line.startsWith("killed")) {
                assertTrue(line.matches("killed upgrade [0-9]: orphans=0 " + expected + " 1"), line + "\n" + more);
            } else {
                assertEquals("upgrade after: " + expected + " own,", line, more);
            }
        }
        assertEquals(12, more.lines().count(), more);
        sh("rm /etc/jspawn/spk.jspawn && systemctl daemon-reload");
    }

    @Test
    @Order(18)
    void registeredWhileBootingThroughMachinedRestartsAndTheHelperLeavesWhenIdle() {
        // A guest whose boot takes 10 s more: a service of its own, made from inside.
        sh("printf '[Container]\\nBase=default-ns-1\\n' > /etc/jspawn/slow_boot.jspawn && systemctl daemon-reload && systemctl start jspawn@slow_boot");
        sh("guest-shell slow-boot /bin/sh -c \"printf '[Service]\\nType=oneshot\\nExecStart=/bin/sleep 10\\n[Install]\\nWantedBy=multi-user.target\\n'"
                + " > /etc/systemd/system/slow.service && systemctl enable slow.service\"");
        sh("systemctl stop jspawn@slow_boot && systemctl start jspawn@slow_boot");

        // NotifyReady=no (the default, as stock): active and registered as soon as the guest's init runs, while it boots.
        assertEquals("active", sh("systemctl is-active jspawn@slow_boot"));
        String leader = machineProperty("slow-boot", "Leader");
        assertEquals("systemd", sh("cat /proc/" + leader + "/comm"), "registered with the guest's init as leader");
        String state = sh("for i in $(seq 100); do s=$(systemctl -M slow-boot is-system-running 2>/dev/null); [ -n \"$s\" ] && break; sleep 0.1; done; echo $s");
        assertTrue(state.equals("starting") || state.equals("initializing"), "machinectl reaches a guest that still boots: " + state);

        // machined restarted: the running guests stay registered, and machinectl still controls them.
        sh("systemctl restart systemd-machined");
        assertEquals(leader, machineProperty("slow-boot", "Leader"), "still registered after machined restarted");
        assertEquals("jspawn@slow_boot.service", machineProperty("slow-boot", "Unit"));
        sh("machinectl poweroff slow-boot");
        awaitActive("jspawn@slow_boot", "inactive");
        assertEquals("", sh("machinectl list --no-legend | grep slow-boot || true"), "a guest powered off while booting is gone");

        // NotifyReady=yes: active once booted, but registered (and reachable) while booting.
        sh("mkdir -p /etc/jspawn/slow_boot.jspawn.d && printf '[Exec]\\nNotifyReady=yes\\n' > /etc/jspawn/slow_boot.jspawn.d/notify.conf"
                + " && systemctl daemon-reload");
        String during = sh("(systemctl start jspawn@slow_boot; echo started >/tmp/started) & for i in $(seq 100); do"
                + " machinectl show -p State --value slow-boot >/dev/null 2>&1 && break; sleep 0.1; done; sleep 1;"
                + " echo \"$(systemctl is-active jspawn@slow_boot) $(machinectl show -p State --value slow-boot)\"; wait; cat /tmp/started");
        assertEquals("activating running\nstarted", during, "registered while the unit still waits for the boot");
        String booted = sh("systemctl -M slow-boot is-system-running || true");
        assertTrue(booted.equals("running") || booted.equals("degraded"), "active means booted: " + booted);
        String beforeReboot = machineProperty("slow-boot", "Leader");
        sh("machinectl reboot slow-boot");
        Sandbox.await(WAIT, "slow-boot to come back registered with a new leader", () -> {
            String l = machineProperty("slow-boot", "Leader");
            return !l.isEmpty() && !l.equals(beforeReboot) && sh("systemctl is-active jspawn@slow_boot || true").equals("active");
        });
        sh("machinectl poweroff slow-boot");
        awaitActive("jspawn@slow_boot", "inactive");

        // The helper served all of this and leaves when idle: nothing of jspawn stays beside the guests.
        sh("systemctl start jspawn@child_apache");
        Sandbox.await(Duration.ofSeconds(45), "the helper to exit when idle", () -> sh("systemctl is-active jspawn-helper || true").equals("inactive"));
        assertEquals("active", sh("systemctl is-active jspawn@child_apache"));
        assertEquals("", sh("ps -eo comm=,args= | awk '$1 == \"java\" && /dev[.]jspawn/'"), "no JVM of jspawn's is left running");
        assertEquals("success", sh("systemctl show -p Result --value jspawn-helper"), "it exited cleanly");
        sh("machinectl poweroff child-apache");
        awaitActive("jspawn@child_apache", "inactive");
        sh("rm -r /etc/jspawn/slow_boot.jspawn /etc/jspawn/slow_boot.jspawn.d && systemctl daemon-reload");
    }

    /** Gives the guest a socket-activated service on port 80 that answers "hello from HOSTNAME". */
    void serveHello(String machine) {
        sh("guest-shell " + machine + " /bin/sh -c \"printf '[Socket]\\nListenStream=80\\nAccept=yes\\n[Install]\\nWantedBy=sockets.target\\n' > /etc/systemd/system/hello.socket"
                + " && printf '[Service]\\nExecStart=/bin/sh -c \\\"echo hello from \\$\\$(cat /proc/sys/kernel/hostname)\\\"\\nStandardInput=socket\\n'"
                + " > /etc/systemd/system/hello@.service && systemctl enable --now hello.socket\"");
    }

    /** The guest's first IPv4 address, as jspawn status shows it, once it has one. */
    String ipv4(String name) {
        Sandbox.await(WAIT, name + " to get an IPv4 address", () -> sh("jspawn status " + name).matches("(?s).*Address: [0-9]+\\.[0-9.]+.*"));
        return sh("jspawn status " + name).replaceFirst("(?s).*Address: ([0-9.]+).*", "$1");
    }

    /** A line the guest's socket-activated service "hello" answers with: its host name. */
    String hello(String fromNamespace, String address, int port) {
        String connect = "exec 3<>/dev/tcp/" + address + "/" + port + " && timeout 5 cat <&3";
        return sh((fromNamespace == null ? "" : "ip netns exec " + fromNamespace + " ") + "timeout 10 bash -c '" + connect + "'");
    }

    @Test
    @Order(19)
    void aNewAdminsContainerHasItsOwnIdentityNetworkLimitsAndAWayIn() {
        // The world outside the host: a network namespace behind a veth, with the "upstream" name server that the host's resolv.conf names.
        sh("ip netns add outside && ip link add out-host type veth peer name out-peer && ip link set out-peer netns outside"
                + " && ip addr add 192.0.2.1/24 dev out-host && ip link set out-host up"
                + " && ip netns exec outside sh -c 'ip addr add 192.0.2.2/24 dev out-peer && ip link set out-peer up && ip link set lo up"
                + " && ip route add default via 192.0.2.1'");
        sh("systemd-run --unit=dns-stub ip netns exec outside java -cp /run/jspawn-src/tests/target/test-classes dev.jspawn.it.DnsStub"
                + " 192.0.2.2 upstream.example 198.51.100.7");
        sh("rm -f /etc/resolv.conf && echo 'nameserver 192.0.2.2' > /etc/resolv.conf");

        // What the README promises a new admin: create, start, and the guest's port answers, under its own name and ID.
        sh("jspawn create web --base default-ns-1 --port tcp:8080:80");
        sh("mkdir -p /etc/jspawn/web.jspawn.d && printf '[Unit]\\nAfter=network-online.target\\n[Service]\\nMemoryMax=300M\\nTasksMax=2048\\n[Install]\\nWantedBy=multi-user.target\\n'"
                + " > /etc/jspawn/web.jspawn.d/limits.conf && systemctl daemon-reload");
        Sandbox.Result verify = box.sh("cd /tmp && systemd-analyze verify --generators=yes jspawn@web.service");
        assertEquals("", verify.err().strip(), "systemd-analyze verify complained about the passed-through keys");
        sh("systemctl start jspawn@web");
        assertEquals("314572800", sh("systemctl show -p MemoryMax --value jspawn@web"), "[Service] MemoryMax= is on the running unit");
        assertEquals("2048", sh("systemctl show -p TasksMax --value jspawn@web"));
        assertTrue(sh("systemctl show -p WantedBy --value jspawn@web").contains("multi-user.target"), "[Install] WantedBy=, with no systemctl enable");
        serveHello("web");

        // Networking with no manual step: systemd-networkd configures both ends, and machinectl and jspawn status show the address.
        String address = ipv4("web");
        assertTrue(sh("machinectl list --no-legend").contains(address), "machinectl list shows the address");
        assertTrue(sh("jspawn status web").matches("(?s).*Address: [0-9.]+, .*fe80::.*"), "IPv6 as systemd does it: link-local, on host0");
        assertEquals("active", sh("systemctl is-active systemd-networkd"), "wanted by the container, not enabled on the host");
        assertEquals("disabled", sh("systemctl is-enabled systemd-networkd || true"));
        assertEquals("hello from web", hello(null, address, 80), "the guest's service over the veth, under its machine name");
        assertEquals("hello from web", hello(null, "192.0.2.1", 8080), "the published port, from the host");
        assertEquals("hello from web", hello("outside", "192.0.2.1", 8080), "the published port, from outside");
        assertTrue(sh("guest-shell web /usr/bin/getent hosts upstream.example").contains("198.51.100.7"),
                "the guest resolves names through the host's name server");

        // Its own identity: a second child of the same base, named in either spelling, with a host name of its own.
        sh("printf '[Container]\\nBase=default-ns-1\\n[Exec]\\nHostname=db-host\\n' > /etc/jspawn/db_main.jspawn && systemctl daemon-reload");
        sh("jspawn start db-main");
        assertEquals("active", sh("systemctl is-active jspawn@db_main"));
        String webId = machineProperty("web", "Id"), dbId = machineProperty("db-main", "Id");
        assertTrue(webId.matches("[0-9a-f]{32}") && dbId.matches("[0-9a-f]{32}"), webId + " " + dbId);
        assertNotEquals(webId, dbId, "two children of one base, two machine IDs");
        assertEquals(webId, sh("guest-shell web /bin/cat /etc/machine-id | tr -d '\\r'"), "registered with the ID the guest has");
        assertEquals(dbId, sh("guest-shell db-main /bin/cat /etc/machine-id | tr -d '\\r'"));
        assertEquals("db-host", sh("guest-shell db-main /bin/cat /proc/sys/kernel/hostname | tr -d '\\r'"), "Hostname=");
        sh("jspawn restart db_main");
        assertEquals(dbId, machineProperty("db-main", "Id"), "the ID survives a restart");

        // A way in: machinectl login with the root password the base was made with (base create --root-password-file).
        String login = box.sh("(sleep 3; echo root; sleep 2; echo " + ROOT_PASSWORD + "; sleep 3; echo 'echo LOGGED-IN-$((6*7))'; sleep 2; echo exit; sleep 1)"
                + " | timeout 20 script -qfc 'machinectl login web' /dev/null").out();
        assertTrue(login.contains("LOGGED-IN-42"), "machinectl login:\n" + login);

        sh("jspawn stop web db-main");
        assertEquals("inactive", sh("systemctl is-active jspawn@web jspawn@db_main | sort -u"));
        sh("systemctl stop dns-stub; ip netns del outside; rm -r /etc/jspawn/web.jspawn /etc/jspawn/web.jspawn.d /etc/jspawn/db_main.jspawn && systemctl daemon-reload");
    }

    @Test
    @Order(20)
    void templateInstancesShareAZoneAndABridgeJoinsTheHostsLan() {
        // A template and two instances (a link to it, and one with a setting of its own), on a network zone of their own.
        sh("printf '[Container]\\nBase=default-ns-1\\n[Network]\\nZone=shop\\n' > /etc/jspawn/shop@.jspawn"
                + " && ln -s shop@.jspawn /etc/jspawn/shop@1.jspawn && printf '[Exec]\\nHostname=shop-two\\n' > /etc/jspawn/shop@2.jspawn"
                + " && systemctl daemon-reload");
        sh("systemctl start jspawn@shop@1 && jspawn start shop-2");
        assertEquals("jspawn@shop@1.service", machineProperty("shop-1", "Unit"));
        assertEquals("jspawn@shop@2.service", machineProperty("shop-2", "Unit"));
        assertTrue(holds("test -d /var/lib/jspawn/shop@2_up"), "each instance has its own upper dir");
        serveHello("shop-2");
        String two = ipv4("shop-2");
        ipv4("shop-1");
        assertEquals("hello from shop-two", sh("guest-shell shop-1 /bin/bash -c 'exec 3<>/dev/tcp/" + two + "/80 && timeout 5 cat <&3' | tr -d '\\r'"
                + " | grep hello"), "one instance reaches the other across the zone's bridge vz-shop");

        // A bridge the host already has (its LAN, here with networkd's DHCP server on it): the guest gets its address there.
        sh("ip link add br-lan type bridge && printf '[Match]\\nName=br-lan\\n[Network]\\nAddress=10.77.0.1/24\\nDHCPServer=yes\\n'"
                + " > /etc/systemd/network/50-br-lan.network && systemctl start systemd-networkd && networkctl reload");
        sh("printf '[Container]\\nBase=default-ns-1\\n[Network]\\nBridge=br-lan\\n' > /etc/jspawn/lan.jspawn && systemctl daemon-reload && jspawn start lan");
        serveHello("lan");
        String lan = ipv4("lan");
        assertTrue(lan.startsWith("10.77.0."), lan);
        assertEquals("hello from lan", hello(null, lan, 80), "reached on the host's LAN bridge");

        sh("jspawn stop shop@1 shop-2 lan");
        sh("rm /etc/jspawn/shop@.jspawn /etc/jspawn/shop@1.jspawn /etc/jspawn/shop@2.jspawn /etc/jspawn/lan.jspawn"
                + " /etc/systemd/network/50-br-lan.network && ip link del br-lan && systemctl daemon-reload");
    }
}
