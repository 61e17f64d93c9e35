package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Bases from a real registry: Debian's docker-registry on the sandbox's loopback (a config of the
 * test's own: no auth, its own port), images the test builds with umoci from the Debian test base
 * and pushes with skopeo, then {@code jspawn base pull} of two images that share a layer, children
 * of each booted by the real systemd, nspawn and machined, and seen from inside.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String REGISTRY = "127.0.0.1:5123";

    Sandbox box;

    @RegisterExtension
    final TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void sandboxWithARegistryAndTwoImages() {
        String image = TestBase.path(EndToEndIT.SRC, EndToEndIT.STATE);
        box = Sandbox.start(EndToEndIT.SRC, EndToEndIT.STATE.resolveSibling("sandbox-pull"));
        box.sh("/run/jspawn-src/scripts/install").ok();
        sh("mkdir -p /var/lib/registry-it && printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: /var/lib/registry-it\\n"
                + "http:\\n  addr: " + REGISTRY + "\\n' > /etc/registry-it.yml"
                + " && systemd-run --unit=registry-it docker-registry serve /etc/registry-it.yml");
        Sandbox.await(WAIT, "the registry to answer", () -> box.sh("bash -c '</dev/tcp/" + REGISTRY.replace(':', '/') + "'").exit() == 0);
        // debian: the test base as one layer (its /dev empty, as images have it: a layer may hold no device), with a site in /srv/site
        // and an application's script in /srv/app.sh. web: one layer more, which adds a file, deletes
        // /etc/motd (a whiteout) and replaces /srv/site (an opaque directory).
        sh("set -e; cd /var/tmp; umoci init --layout oci; umoci new --image oci:debian; umoci unpack --image oci:debian b1"
                + "; cp -a " + image + "/. b1/rootfs/; rm -rf b1/rootfs/dev/*; mkdir -p b1/rootfs/srv/site; echo old > b1/rootfs/srv/site/old.html"
                + "; printf '%s\\n' 'echo \"$GREETING from $(pwd) as $(id -u)\" > /srv/app.out' 'exec sleep infinity' > b1/rootfs/srv/app.sh"
                + "; umoci repack --image oci:debian b1; rm -rf b1"
                + "; umoci config --image oci:debian --tag debian --config.cmd /sbin/init"
                // app: the same layer, an application's config (no systemd runs).
                + "; umoci config --image oci:debian --tag app --config.cmd /bin/sh --config.cmd /srv/app.sh --config.env GREETING=hello"
                + " --config.workingdir /srv --config.user 0:0"
                + "; mkdir -p l/etc l/srv/site; echo added > l/etc/added; : > l/etc/.wh.motd; : > l/srv/site/.wh..wh..opq"
                + "; echo new > l/srv/site/index.html; tar --numeric-owner --owner=0 --group=0 -C l -cf web.tar etc srv"
                + "; umoci tag --image oci:debian web; umoci raw add-layer --image oci:web web.tar"
                + "; for t in debian web app; do skopeo copy --quiet --dest-tls-verify=false oci:oci:$t docker://" + REGISTRY + "/$t:1; done"
                + "; rm -rf oci l web.tar");
    }

    @AfterAll
    void powerOff() {
        if (box != null) box.close();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    /** What {@code cmd} prints inside the running guest, once it has booted far enough to be asked. */
    String guest(String machine, String cmd) {
        String[] out = {""};
        Sandbox.await(WAIT, machine + " to answer", () -> {
            Sandbox.Result r = box.sh("case $(systemctl -M " + machine + " is-system-running 2>/dev/null) in running|degraded) ;; *) exit 1 ;; esac; "
                    + "machinectl shell " + machine + " /bin/sh -c '" + cmd + "; echo END' 2>/dev/null | tr -d '\\r'");
            out[0] = r.out().strip();
            return r.exit() == 0 && out[0].endsWith("END");
        });
        return out[0].substring(0, out[0].length() - 3).strip();
    }

    @Test
    @Order(1)
    void twoImagesShareTheirLayerAndEachChildSeesExactlyItsImage() {
        String first = sh("jspawn base pull deb docker://" + REGISTRY + "/debian:1 --tls-verify=false");
        assertTrue(first.contains("1 of them new"), first);
        String second = sh("jspawn base pull web docker://" + REGISTRY + "/web:1 --tls-verify=false");
        assertTrue(second.contains("2 layers, 1 of them new"), "the shared layer is not unpacked again: " + second);
        assertEquals("2", sh("ls /var/lib/jspawn/.jspawn/layers | grep -c '^sha256-'"), "each layer stored once");

        sh("printf '[Container]\\nBase=deb\\n' > /etc/jspawn/c1.jspawn && printf '[Container]\\nBase=web\\n' > /etc/jspawn/c2.jspawn"
                + " && printf '[Container]\\nBase=web\\n[Exec]\\nPrivateUsers=no\\n' > /etc/jspawn/c3.jspawn"
                + " && systemctl daemon-reload && systemctl start jspawn@c1 jspawn@c2 jspawn@c3");
        String look = "cat /etc/added 2>&1; test -e /etc/motd && echo motd; ls -1 /srv/site; stat -c %u /etc/os-release";
        assertEquals("cat: /etc/added: No such file or directory\nmotd\nold.html\n0", guest("c1", look), "c1 sees the debian image");
        assertEquals("added\nindex.html\n0", guest("c2", look), "c2 sees web: its file added, /etc/motd deleted, /srv/site replaced");
        assertEquals("added\nindex.html\n0", guest("c3", look), "and so does a child without a user namespace");
        assertTrue(Long.parseLong(sh("stat -c %u /var/lib/jspawn/c2_up")) >= 65536, "c2 runs in a range of its own");
        sh("machinectl shell c2 /bin/sh -c 'echo mine > /srv/site/mine.html'");
        assertEquals("mine.html", sh("ls /var/lib/jspawn/c2_up/srv/site"), "what a child writes goes to its own upper dir");
    }

    @Test
    @Order(2)
    void theSameImageAgainIsNothingToDo() {
        String again = sh("jspawn base pull web docker://" + REGISTRY + "/web:1 --tls-verify=false");
        assertTrue(again.contains("is that image already"), again);
        assertEquals("v1", sh("readlink /var/lib/jspawn/web | xargs basename"));
    }

    @Test
    @Order(3)
    void aOneFileUpdateIsALayerOfKilobytesAndTheWholeCycleWorksOnTheStack() {
        String updated = sh("jspawn base update web -- sh -c 'echo layered > /etc/motd-update'");
        assertTrue(updated.contains("web: v2 is now current (3 layers"), updated);
        long bytes = Long.parseLong(sh("du -s --block-size=1 $(readlink -f /var/lib/jspawn/web/layer@2) | cut -f1"));
        assertTrue(bytes < (5 << 20), "a one-file update adds what it changed, not a copy: " + bytes + " bytes");

        String upgrade = sh("jspawn base upgrade web -- sh -c 'echo v3 > /etc/web-version'");
        assertTrue(upgrade.contains("web: made v3 (4 layers"), upgrade);
        assertTrue(upgrade.contains("c2: removed") && upgrade.contains("healthy on v3") && upgrade.contains("The rollout finished: v3 is current"), upgrade);
        String look = "cat /etc/motd-update /etc/web-version; ls -1 /srv/site";
        assertEquals("layered\nv3\nindex.html\nmine.html", guest("c2", look), "restarted on v3, its own file kept");
        assertTrue(sh("jspawn base versions web").matches("(?s).*\\nv3 +yes +[0-9.]+M +4 +[^\\n]*c2[^\\n]*(\\n.*)?"), sh("jspawn base versions web"));

        sh("jspawn base rollback web && systemctl restart jspawn@c2 jspawn@c3");
        assertEquals("cat: /etc/web-version: No such file or directory\nlayered\nindex.html\nmine.html",
                guest("c2", "cat /etc/web-version 2>&1; cat /etc/motd-update; ls -1 /srv/site"), "back on v2");
        String gc = sh("jspawn base gc");
        assertTrue(gc.contains("removed web v1") && gc.contains("removed web v3"), gc);
        assertTrue(gc.lines().filter(l -> l.startsWith("removed layer local-")).count() == 1, "v3's own layer went with it: " + gc);
        assertEquals("3", sh("ls /var/lib/jspawn/.jspawn/layers | grep -c -e '^sha256-' -e '^local-'"));
    }

    @Test
    @Order(4)
    void gcRemovesOnlyTheLayersNoVersionStacks() {
        sh("systemctl stop jspawn@c1 && rm /etc/jspawn/c1.jspawn && systemctl daemon-reload && jspawn base remove deb");
        String gc = sh("jspawn base gc");
        assertTrue(!gc.contains("removed layer"), "deb's layer is web's bottom layer too: " + gc);
        assertEquals("3", sh("ls /var/lib/jspawn/.jspawn/layers | grep -c -e '^sha256-' -e '^local-'"));
        assertEquals("added\nindex.html\nmine.html\n0", guest("c2", "cat /etc/added; ls -1 /srv/site; stat -c %u /etc/os-release"));
    }

    @Test
    @Order(5)
    void anApplicationImageRunsItsCommandWithBootNo() {
        String pulled = sh("jspawn base pull app docker://" + REGISTRY + "/app:1 --tls-verify=false");
        assertTrue(pulled.contains("1 layers, 0 of them new"), "its layer is debian's, stored already: " + pulled);
        sh("printf '[Container]\\nBase=app\\n[Exec]\\nBoot=no\\n' > /etc/jspawn/a1.jspawn && systemctl daemon-reload && systemctl start jspawn@a1");
        Sandbox.await(WAIT, "a1's command to run", () -> box.sh("test -s /var/lib/jspawn/a1_up/srv/app.out").exit() == 0);
        assertEquals("hello from /srv as 0", sh("cat /var/lib/jspawn/a1_up/srv/app.out"), "its Cmd, Env, WorkingDir and User");
        assertEquals("active", sh("systemctl is-active jspawn@a1"));
        assertTrue(sh("machinectl list --no-legend").contains("a1"), "registered with machined");
        assertTrue(sh("jspawn status a1").contains("Command: \"/bin/sh\" \"/srv/app.sh\" (the image config of base app v1)"), sh("jspawn status a1"));
        sh("systemctl stop jspawn@a1");
        assertEquals(1, box.sh("test -e /run/systemd/nspawn/a1.nspawn").exit(), "its settings go when it stops");

        sh("mkdir -p /var/lib/jspawn/plain/etc && printf '[Container]\\nBase=plain\\n[Exec]\\nBoot=no\\n' > /etc/jspawn/a2.jspawn && systemctl daemon-reload");
        assertTrue(box.sh("systemctl start jspawn@a2").exit() != 0);
        String why = box.sh("journalctl -u jspawn@a2 --no-pager").out();
        assertTrue(why.contains("a2: Boot=no without Parameters= runs its base's image command, but base plain (a plain directory) is no pulled image"), why);
    }

    /**
     * An image root on a file system too small for the image: one short error, and nothing left of the pull; then a
     * base update there that fills the disk: the same. A tmpfs, sized to hold the image's blob but not its tree.
     */
    @Test
    @Order(6)
    void aFullDiskGivesOneShortErrorAndLosesNothing() {
        String manifest = sh("skopeo inspect --raw --tls-verify=false docker://" + REGISTRY + "/debian:1");
        java.util.regex.Matcher size = java.util.regex.Pattern.compile("\"size\"\\s*:\\s*([0-9]+)").matcher(manifest);
        long blob = 0;
        while (size.find()) blob = Long.parseLong(size.group(1)); // the last one: the layer's (the config's comes first)
        assertTrue(blob > (1 << 20), manifest);
        sh("mkdir -p /srv/small && mount -t tmpfs -o size=" + (blob + (24 << 20)) + " tmpfs /srv/small");
        try {
            Sandbox.Result full = box.sh("jspawn base pull --image-root /srv/small deb docker://" + REGISTRY + "/debian:1 --tls-verify=false");
            assertEquals(1, full.exit(), full.out() + full.err());
            assertEquals(1, full.err().lines().count(), "one line: " + full.err());
            assertTrue(full.err().matches("jspawn: no space left in /srv/small to unpack layer sha256:[0-9a-f]{64} \\([0-9.]+M compressed\\); [0-9.]+[KMG] free"
                    + " once its partial copy went; nothing of it was kept, the base is unchanged\n"), full.err());
            assertEquals("", sh("for d in layers pull bases; do ls -A /srv/small/.jspawn/$d 2>/dev/null; done; true"),
                    "no layer, no download and no base left");

            // A tiny base there, and an update that fills the disk: it fails, the base is as it was.
            sh("mkdir -p /srv/small/tiny/usr/bin /srv/small/tiny/usr/lib/x86_64-linux-gnu /srv/small/tiny/usr/lib64 /srv/small/tiny/etc"
                    + " && cp /usr/bin/true /usr/bin/dd /srv/small/tiny/usr/bin/ && cp /usr/lib/x86_64-linux-gnu/libc.so.6 /srv/small/tiny/usr/lib/x86_64-linux-gnu/"
                    + " && cp /usr/lib64/ld-linux-x86-64.so.2 /srv/small/tiny/usr/lib64/ && ln -s usr/lib64 /srv/small/tiny/lib64 && ln -s usr/bin /srv/small/tiny/bin"
                    + " && echo ID=tiny > /srv/small/tiny/usr/lib/os-release");
            Sandbox.Result update = box.sh("jspawn base update --image-root /srv/small tiny -- /usr/bin/dd if=/dev/zero of=/big bs=1M count=1000");
            assertEquals(1, update.exit(), update.out() + update.err());
            assertTrue(update.err().contains("jspawn: /usr/bin/dd if=/dev/zero of=/big bs=1M count=1000 failed (exit status 1); the base is unchanged"), update.err());
            assertEquals("v1", sh("ls /srv/small/.jspawn/bases/tiny"), "no half version, layer, work or mount dir left");
            assertEquals("", sh("ls -A /srv/small/.jspawn/layers 2>/dev/null; true"));
            assertEquals("ID=tiny", sh("cat /srv/small/tiny/usr/lib/os-release"));
        } finally {
            box.sh("umount /srv/small");
        }
    }

    /** Push, push again, pull elsewhere: one manifest digest, and the pulled version is the pushed one. */
    @Test
    @Order(7)
    void aPushedVersionIsTheSameImageEveryTimeAndPullsAsIt() {
        String first = sh("jspawn base push web docker://" + REGISTRY + "/web-copy:1 --tls-verify=false");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("image (sha256:[0-9a-f]{64}), manifest (sha256:[0-9a-f]{64})").matcher(first);
        assertTrue(m.find(), first);
        String image = m.group(1), manifest = m.group(2);
        assertTrue(first.contains("web: pushed to docker://" + REGISTRY + "/web-copy:1: 3 layers"), first);
        String again = sh("jspawn base push web docker://" + REGISTRY + "/web-copy:2 --tls-verify=false");
        assertTrue(again.contains("manifest " + manifest), "the same version, the same manifest: " + again);
        assertTrue(sh("skopeo inspect --tls-verify=false docker://" + REGISTRY + "/web-copy:2").contains("\"Digest\": \"" + manifest + "\""),
                "the registry holds that manifest");

        sh("jspawn base pull web3 docker://" + REGISTRY + "/web-copy:1 --tls-verify=false");
        assertTrue(sh("jspawn base versions --json web3").contains("\"image\":\"" + image + "\""), sh("jspawn base versions --json web3"));
        assertTrue(sh("jspawn base list --json").contains("\"base\":\"web3\",\"current\":\"v1\",\"versions\":1,"), sh("jspawn base list --json"));
        assertTrue(sh("jspawn base list --json").matches("(?s).*\"base\":\"web3\",[^}]*\"image\":\"" + image + "\".*"), sh("jspawn base list --json"));
        sh("printf '[Container]\\nBase=web3\\n' > /etc/jspawn/c4.jspawn && systemctl daemon-reload && systemctl start jspawn@c4");
        assertEquals("added\nlayered\nindex.html", guest("c4", "cat /etc/added /etc/motd-update; ls -1 /srv/site"), "web's v2, as pushed");
    }

    /** jspawn auto-upgrade of a pulled base: the image looked up again, pulled only once it changed, and rolled out to c4. */
    @Test
    @Order(8)
    void autoUpgradePullsAChangedImageAndRollsItOut() {
        String leader = sh("machinectl show -p Leader --value c4");
        String same = sh("jspawn auto-upgrade web3");
        assertTrue(same.contains("web3: docker://" + REGISTRY + "/web-copy:1 is still sha256:") && same.contains("web3: the rollout had nothing to do"), same);
        assertEquals(leader, sh("machinectl show -p Leader --value c4"), "nothing changed: c4 not stopped");

        sh("jspawn base update web -- sh -c 'echo auto > /etc/auto-pulled' && jspawn base push web docker://" + REGISTRY + "/web-copy:1 --tls-verify=false");
        String changed = sh("jspawn auto-upgrade web3");
        assertTrue(changed.contains("; pulling it") && changed.contains("web3: the rollout finished: v2 is current, and every child is on it")
                && changed.contains("    c4: removed "), changed);
        assertEquals("auto", guest("c4", "cat /etc/auto-pulled"), "c4 runs the new image");
        sh("systemctl stop jspawn@c4");
    }
}
