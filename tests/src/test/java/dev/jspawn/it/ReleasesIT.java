package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One journey on each Debian release users run: Debian 12 (systemd 252, OpenJDK 17; the tests' host, where
 * EndToEndIT goes much further), Debian 13 (systemd 257, OpenJDK 21) and Debian testing (systemd 262 today,
 * OpenJDK 25), each booted as the sandbox's PID 1 from a debootstrapped tree of that release (scripts/release-tree),
 * with jspawn installed from the built .deb by that release's dpkg. Short, but every part of the how-to:
 * the class archives and no JVM warning, user namespaces, a published port from outside, the child's own
 * identity, machinectl shell, reboot, terminate and poweroff, and the base upgrade cycle; on systemd 258 and later, nspawn
 * as the machine's supervisor, never jspawn's helper.
 */
class ReleasesIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final Path SRC = EndToEndIT.SRC;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bookworm", "trixie", "forky"})
    void theJourneyOnRelease(String release) throws Exception {
        String image = TestBase.path(SRC, EndToEndIT.STATE);
        String tree = Sandbox.exec(List.of(SRC.resolve("scripts/release-tree").toString(), release), Duration.ofMinutes(20)).ok().out().strip();
        List<Path> debs;
        try (var s = Files.list(SRC.resolve("deb/target"))) {
            debs = s.filter(p -> p.getFileName().toString().matches("jspawn_.*_all\\.deb")).toList();
        }
        assertEquals(1, debs.size(), "one built package in deb/target (./mvnw package builds it): " + debs);
        Path state = EndToEndIT.STATE.resolveSibling("sandbox-" + release);
        try (Sandbox box = Sandbox.startTree(SRC, state, Path.of(tree), Path.of(TestBase.CACHE))) {
            Journey j = new Journey(box, release);
            j.sh("dpkg -i /run/jspawn-src/deb/target/" + debs.get(0).getFileName());
            try {
                j.run(image);
            } catch (AssertionError | RuntimeException e) {
                System.err.println("---- " + release + " sandbox journal (last 150 lines) ----\n" + box.journalTail());
                throw e;
            }
        }
    }

    record Journey(Sandbox box, String release) {

        String sh(String script) {
            return box.sh(script).ok().out().strip();
        }

        boolean holds(String script) {
            return box.sh(script).exit() == 0;
        }

        String guest(String machine, String command) {
            String[] out = {""};
            Sandbox.await(WAIT, machine + " to answer " + command, () -> {
                Sandbox.Result r = box.sh("case $(systemctl -M " + machine + " is-system-running 2>/dev/null) in running|degraded) ;; *) exit 1 ;; esac; machinectl shell " + machine
                        + " " + command + " 2>/dev/null | tr -d '\\r' | grep -v '^Connected to\\|^Connection to'");
                out[0] = r.out().strip();
                return r.exit() == 0 && !out[0].isEmpty();
            });
            return out[0];
        }

        String logged(String script) {
            return box.logged(script);
        }

        String machine(String name, String property) {
            return box.sh("machinectl show --value -p " + property + " " + name).out().strip();
        }

        void run(String image) {
            // The package's own work: the class archives for this release's JVM, and no JVM warning on a command.
            String major = sh("java -version 2>&1 | sed -n '1s/.*version \"\\([0-9]*\\).*/\\1/p'");
            String archives = sh("cat /var/cache/jspawn/generator.jvm /var/cache/jspawn/helper.jvm /var/cache/jspawn/jspawn.jvm");
            assertEquals(3, archives.lines().filter(l -> l.contains(Integer.parseInt(major) >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=")).count(),
                    release + " (Java " + major + "): a class archive for each launcher\n" + archives);
            if (Integer.parseInt(major) < 25) {
                // Static archives there, which hold what a dynamic one leaves out: ini4j's and picocli's Java 5 class files.
                assertEquals("1", sh("d=$(mktemp -d); printf '[Container]\\nBase=b1\\n' > $d/t.jspawn; JSPAWN_UNIT_DIRS=$d JSPAWN_JVM_TRAIN=-Xlog:class+load"
                        + " /usr/lib/systemd/system-generators/jspawn-generator --dry-run | grep -c 'org.ini4j.Config source: shared objects file'; rm -rf $d"),
                        release + ": ini4j from the generator's archive");
                assertEquals("1", sh("JSPAWN_JVM_TRAIN=-Xlog:class+load jspawn --version | grep -c 'picocli.CommandLine source: shared objects file'"),
                        release + ": picocli from jspawn's archive");
            }
            // The helper's archive holds a start's own path: its training prepares a scratch child's overlay with a real
            // MountLayers (a range, an idmapped view), in a mount namespace of its own, and leaves nothing behind.
            Sandbox.Result training = box.sh("unshare --mount /usr/libexec/jspawn/jspawn-helper --train");
            assertTrue(training.err().contains("MountLayers training: training: picked UID range"), training.out() + training.err());
            assertFalse(training.err().contains("stopped early"), training.err());
            assertEquals("", sh("findmnt -rn -o TARGET,SOURCE | grep jspawn-train; ls /tmp | grep jspawn-train; true"));
            Sandbox.Result list = box.sh("jspawn list");
            assertFalse((list.out() + list.err()).contains("WARNING"), list.err());

            // The how-to: a base, a child of it with a published port, started, registered, in its own range.
            sh("cp -a " + image + " /var/lib/jspawn/b1 && jspawn create web --base b1 --port tcp:8080:80 && systemctl start jspawn@web");
            assertEquals("jspawn@web.service", machine("web", "Unit"));
            long range = Long.parseLong(sh("stat -c %u /var/lib/jspawn/web_up"));
            assertTrue(range >= 0x80000 && range % 65536 == 0, "its own range: " + range);
            assertEquals(Long.toString(range), sh("awk '/^Uid:/{print $2}' /proc/" + machine("web", "Leader") + "/status"));
            assertEquals("0", guest("web", "/usr/bin/id -u"), "root inside");
            // Status asks this release's systemd where the unit came from (SourcePath=, DropInPaths=): generated from web's file.
            assertTrue(sh("jspawn status --json web").contains("\"generated\":\"yes\""), "status of web on this release");

            // Identity: its own machine ID, registered as the guest has it, and its machine name as host name.
            String id = machine("web", "Id");
            assertTrue(id.matches("[0-9a-f]{32}"), id);
            assertEquals(id, guest("web", "/bin/cat /etc/machine-id"));
            assertEquals("web", guest("web", "/bin/cat /proc/sys/kernel/hostname"));

            // The published port, from outside the host (a network namespace behind a veth).
            sh("ip netns add outside && ip link add out-host type veth peer name out-peer && ip link set out-peer netns outside"
                    + " && ip addr add 192.0.2.1/24 dev out-host && ip link set out-host up"
                    + " && ip netns exec outside sh -c 'ip addr add 192.0.2.2/24 dev out-peer && ip link set out-peer up && ip link set lo up"
                    + " && ip route add default via 192.0.2.1'");
            guest("web", "/bin/sh -c \"printf '[Socket]\\nListenStream=80\\nAccept=yes\\n' > /etc/systemd/system/hello.socket"
                    + " && printf '[Service]\\nExecStart=/bin/sh -c \\\"echo hello from \\$\\$(cat /proc/sys/kernel/hostname)\\\"\\nStandardInput=socket\\n'"
                    + " > /etc/systemd/system/hello@.service && systemctl start hello.socket && echo started\"");
            Sandbox.await(WAIT, "web's port 80 to answer from outside through the host's 8080", () -> box.sh("ip netns exec outside timeout 10"
                    + " bash -c 'exec 3<>/dev/tcp/192.0.2.1/8080 && timeout 5 cat <&3'").out().strip().equals("hello from web"));

            // machinectl login, with the root password the tests' base was made with.
            String login = box.sh("(sleep 3; echo root; sleep 2; echo " + TestBase.ROOT_PASSWORD + "; sleep 3; echo 'echo LOGGED-IN-$((6*7))'; sleep 2;"
                    + " echo exit; sleep 1) | timeout 20 script -qfc 'machinectl login web' /dev/null").out();
            assertTrue(login.contains("LOGGED-IN-42"), "machinectl login:\n" + login);

            // machinectl reboot: the guest comes back, registered again with the same ID.
            String leader = machine("web", "Leader");
            sh("machinectl reboot web");
            Sandbox.await(WAIT, "web to come back from its reboot", () -> !machine("web", "Leader").matches("|" + leader));
            assertEquals(id, machine("web", "Id"));

            // The upgrade cycle: a new base version, the child pruned and started again on it.
            sh("jspawn base upgrade b1 -- sh -c 'echo v2 > /etc/jspawn-version'");
            assertEquals("v2", guest("web", "/bin/cat /etc/jspawn-version"));

            // A start while the helper is not running does again what the helper prepared at the last one, without waiting for
            // the helper's JVM: the view idmapped by mount(8) where it can (util-linux 2.39 and later: Debian 13 and testing),
            // by jspawn-bind-idmapped on 12. For a base that is one tree (b1 is a stack of layers since its upgrade), so a child
            // of a fresh copy.
            boolean idmaps = sh("mount --version").contains("idmapping");
            assertEquals(release.equals("bookworm"), !idmaps, "util-linux as each release has it");
            sh("cp -a " + image + " /var/lib/jspawn/plain && echo v0 > /var/lib/jspawn/plain/etc/jspawn-version && jspawn create solo --base plain"
                    + " && systemctl start jspawn@solo");
            assertEquals("0 v0", guest("solo", "/bin/sh -c 'echo $(id -u) $(cat /etc/jspawn-version)'"));
            String soloId = machine("solo", "Id");
            // What jspawn-register's one call to see a guest registered already takes for "not registered": machined's
            // answer for the object of a machine it does not have.
            Sandbox.Result none = box.sh("busctl get-property org.freedesktop.machine1 /org/freedesktop/machine1/machine/no_2dsuch"
                    + " org.freedesktop.machine1.Machine Leader");
            assertTrue(none.exit() != 0 && none.err().contains("Unknown object '/org/freedesktop/machine1/machine/no_2dsuch'"), none.err());
            assertEquals("u " + machine("solo", "Leader"), sh("busctl get-property org.freedesktop.machine1 /org/freedesktop/machine1/machine/solo"
                    + " org.freedesktop.machine1.Machine Leader"), "and its Leader, for one it has");
            int systemd = Integer.parseInt(sh("systemctl --version | sed -n '1s/^systemd \\([0-9]*\\).*/\\1/p'"));
            String replayed = logged("systemctl stop jspawn@solo && systemctl stop jspawn-helper && systemctl start jspawn@solo");
            assertTrue(replayed.contains("solo: prepared as at its last start, without the helper"), replayed);
            assertFalse(replayed.contains("MountLayers solo: "), "the helper did not prepare it:\n" + replayed);
            // Where nspawn registers the guest (258 and later), jspawn-register sees that it did. Before, jspawn-register
            // registers it itself where no helper runs, as the helper would. Either way a start done again runs nothing of the
            // helper, which has not started since.
            boolean nspawnRegisters = systemd >= 258;
            assertEquals(nspawnRegisters, replayed.contains("Machine solo registered by systemd-nspawn (leader "), replayed);
            assertEquals(!nspawnRegisters, replayed.contains("Registered machine solo (leader "), replayed);
            assertEquals("inactive", box.sh("systemctl is-active jspawn-helper").out().strip(), "the helper did not run for this start:\n" + replayed);
            assertEquals(sh("stat -c %u /var/lib/jspawn/solo_up"), sh("stat -c %u /var/lib/jspawn/solo/etc/jspawn-version"),
                    "the base's root-owned file, idmapped to the child's range root");
            // (machinectl show does not print an array of integers)
            assertEquals("ai 1 " + sh("cat /sys/class/net/ve-solo/ifindex"), sh("busctl get-property org.freedesktop.machine1"
                    + " /org/freedesktop/machine1/machine/solo org.freedesktop.machine1.Machine NetworkInterfaces"), "registered with its veth's host side");
            assertEquals(nspawnRegisters ? "container systemd-nspawn" : "container jspawn", machine("solo", "Class") + " " + machine("solo", "Service"));
            assertEquals(sh("stat -c %u /var/lib/jspawn/solo_up"), sh("awk '/^Uid:/{print $2}' /proc/" + machine("solo", "Leader") + "/status"),
                    "in its own range");
            assertEquals("0 v0", guest("solo", "/bin/sh -c 'echo $(id -u) $(cat /etc/jspawn-version)'"), "root inside, on its version");
            assertEquals(soloId, machine("solo", "Id"), "registered as before");
            // Its stop removes the registration without the helper as well.
            String stopped = logged("systemctl stop jspawn@solo");
            assertFalse(holds("machinectl show solo"), "no longer registered");
            assertEquals("inactive", box.sh("systemctl is-active jspawn-helper").out().strip(), "nothing of the helper at the stop:\n" + stopped);
            // Once the base changed, a start does not: the helper mounts the new version.
            sh("jspawn base update plain -- sh -c 'echo v1 > /etc/jspawn-version'");
            String afresh = logged("systemctl stop jspawn-helper && systemctl start jspawn@solo");
            assertFalse(afresh.contains("without the helper"), afresh);
            assertTrue(afresh.contains("MountLayers solo: "), afresh);
            assertEquals("v1", guest("solo", "/bin/cat /etc/jspawn-version"), "the base's new version, not the one prepared before");
            // The update made the base a stack of layers: done again as well, each layer's clone in the child's range.
            String stacked = logged("systemctl stop jspawn@solo && systemctl stop jspawn-helper && systemctl start jspawn@solo");
            assertTrue(stacked.contains("solo: prepared as at its last start, without the helper"), stacked);
            assertEquals(sh("stat -c %u /var/lib/jspawn/solo_up"), sh("stat -c %u /var/lib/jspawn/solo/etc/jspawn-version /var/lib/jspawn/solo/usr/bin/env | uniq"),
                    "the layers' root-owned files, idmapped to the child's range root");
            assertEquals("0 v1", guest("solo", "/bin/sh -c 'echo $(id -u) $(cat /etc/jspawn-version)'"), "root inside, on the stack");
            assertEquals(sh("stat -c %u /var/lib/jspawn/solo_up"), sh("awk '/^Uid:/{print $2}' /proc/" + machine("solo", "Leader") + "/status"),
                    "in its own range");
            sh("systemctl stop jspawn@solo");

            // machinectl terminate stops the container (and only it); machinectl poweroff shuts the guest down.
            sh("printf '[Container]\\nBase=b1\\n' > /etc/jspawn/other.jspawn && systemctl daemon-reload && systemctl start jspawn@other");
            if (systemd >= 258) {
                // machined shows a supervisor from 258 on: the unit's main process, nspawn, never jspawn's helper.
                String status = sh("machinectl status --no-pager web");
                assertTrue(status.matches("(?s).*Superv\\.: [0-9]+ \\(systemd-nspawn\\).*"), status);
            }
            sh("machinectl terminate web");
            Sandbox.await(WAIT, "jspawn@web to stop", () -> box.sh("systemctl is-active jspawn@web").out().strip().equals("inactive"));
            assertFalse(holds("machinectl show web"), "no longer registered");
            assertEquals("active", sh("systemctl is-active jspawn@other"), "the other container runs on");
            assertFalse(holds("systemctl is-failed --quiet jspawn-helper.service"), "the helper was not what terminate stopped");
            assertNotEquals("", machine("other", "Leader"), "the other container is still registered");
            // A killed nspawn (256 and later) leaves its unix-export mount behind, which refuses the next start
            // unless the unit cleans up after it; the other container starts again at once.
            sh("systemctl kill -s KILL --kill-whom=main jspawn@other");
            Sandbox.await(WAIT, "jspawn@other to fail", () -> box.sh("systemctl is-failed jspawn@other").out().strip().equals("failed"));
            assertEquals("", sh("findmnt -rn -o TARGET | grep unix-export || true"), "nothing of the killed nspawn is left mounted");
            sh("systemctl start jspawn@other");
            assertEquals("v2", guest("other", "/bin/cat /etc/jspawn-version"), "started again and booted");
            sh("machinectl poweroff other");
            Sandbox.await(WAIT, "jspawn@other to stop", () -> box.sh("systemctl is-active jspawn@other").out().strip().equals("inactive"));
            String failed = sh("systemctl --failed --no-legend --plain");
            assertFalse(failed.contains("jspawn"), failed);
            String warnings = sh("journalctl --no-pager -o cat | grep -c 'WARNING: A restricted method' || true");
            assertEquals("0", warnings, "no JVM warning in the journal either (the helper's, the generator's)");
        }
    }
}
