package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The Debian package the build makes (deb/target/jspawn_VERSION_all.deb), as an admin uses it, in
 * a systemd sandbox of its own: apt installs it, a container runs from it (jspawn list --json
 * parsed, completion and man pages there), and apt remove and purge take the package away but
 * leave the containers' files and the admin's. The generator's golden cases run once more through
 * the generator launcher the package installs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DebIT {

    static final Path SRC = EndToEndIT.SRC;
    static final Path STATE = EndToEndIT.STATE.resolveSibling("sandbox-deb");
    /** The generator's golden cases (GoldenTest in generator/src/test runs them in-process), as the host and the sandbox see them. */
    static final Path GOLDEN = SRC.resolve("generator/src/test/golden");
    static final String GOLDEN_INSIDE = "/run/jspawn-src/generator/src/test/golden/";

    /**
     * One golden case, $1 its directory, through the installed launcher, checked as GoldenTest checks it:
     * input/'s directories in name order as JSPAWN_UNIT_DIRS, the same fresh directory as all three
     * output directories, exit status 0, the absolute input path written as @INPUT@, the files and
     * symlinks (targets compared, not followed) against expected/ (directories left with neither do
     * not count, as in GoldenTest), and stderr against expected-stderr. The environment is PATH alone
     * (systemd's default for the system manager), JSPAWN_UNIT_DIRS, and JSPAWN_LOG_STDERR
     * (jspawn-generator(8)) so the messages come to stderr rather than the kernel log: no LANG or
     * LC_ALL, which the launcher sets itself. Prints the differences (diff -ru) and exits 1 if any.
     */
    static final String GOLDEN_CASE = """
            set -euo pipefail
            case=$1
            t=$(mktemp -d /tmp/goldenXXXXXX)
            trap 'rm -rf "$t"' EXIT
            cp -a "$case/input" "$t/input"
            mkdir "$t/out" "$t/none"
            dirs=$(find "$t/input" -mindepth 1 -maxdepth 1 | LC_ALL=C sort | paste -sd: -)
            status=0
            env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin JSPAWN_UNIT_DIRS="$dirs" JSPAWN_LOG_STDERR=1 \\
                /usr/lib/systemd/system-generators/jspawn-generator "$t/out" "$t/out" "$t/out" >/dev/null 2>"$t/stderr" || status=$?
            find "$t/out" -type f -exec sed -i "s|$t/input|@INPUT@|g" {} +
            sed -i "s|$t/input|@INPUT@|g" "$t/stderr"
            find "$t/out" -mindepth 1 -depth -type d -empty -delete
            expected=$case/expected
            [ -d "$expected" ] || expected=$t/none
            bad=0
            [ "$status" = 0 ] || { echo "exit status $status: a generator run always exits 0"; bad=1; }
            diff -ru --no-dereference "$expected" "$t/out" || bad=1
            diff -u --label expected-stderr --label stderr "$case/expected-stderr" "$t/stderr" || bad=1
            exit $bad
            """;

    Sandbox box;
    String deb;

    @org.junit.jupiter.api.extension.RegisterExtension
    final org.junit.jupiter.api.extension.TestWatcher journalOnFailure = Sandbox.journalOnFailure(() -> box);

    @BeforeAll
    void bootSandbox() throws IOException {
        String image = TestBase.path(SRC, STATE);
        try (Stream<Path> s = Files.list(SRC.resolve("deb/target"))) {
            Path built = s.filter(p -> p.getFileName().toString().matches("jspawn_.*_all\\.deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("no deb/target/jspawn_*_all.deb: the build makes it in the package phase"));
            deb = "/run/jspawn-src/deb/target/" + built.getFileName();
        }
        box = Sandbox.start(SRC, STATE);
        box.sh("cp -a " + image + " /var/lib/jspawn/default-ns-1").ok();
    }

    @AfterAll
    void powerOff() {
        if (box != null) box.close();
    }

    String sh(String script) {
        return box.sh(script).ok().out().strip();
    }

    boolean holds(String script) {
        return box.sh(script).exit() == 0;
    }

    /** Each object of a JSON array, as field → scalar text (nested values left out). */
    static List<Map<String, String>> objects(String json) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            assertEquals(JsonToken.START_ARRAY, p.nextToken(), json);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Map<String, String> o = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) p.skipChildren();
                    else o.put(name, t == JsonToken.VALUE_NULL ? null : p.getText());
                }
                out.add(o);
            }
            assertEquals(null, p.nextToken(), "one JSON value, nothing after it");
        }
        return out;
    }

    @Test
    void aptInstallsItAContainerRunsFromItAndRemovingItKeepsTheData() throws IOException {
        assertFalse(holds("command -v jspawn"), "the sandbox starts without jspawn");
        // Without its Recommends (debootstrap, bash-completion): the sandbox has no network to fetch them from.
        sh("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + deb);
        assertEquals("jspawn: /usr/bin/jspawn", sh("dpkg -S /usr/bin/jspawn"), "dpkg owns what it installed");
        assertTrue(sh("jspawn --version").matches("jspawn [0-9]+\\.[0-9]+\\.[0-9]+ \\(git [0-9a-f]+.*\\)"), sh("jspawn --version"));
        assertEquals(3, sh("man -w jspawn jspawn.jspawn jspawn-generator").lines().count(), "the man pages are found");
        assertEquals("list", sh("bash -c 'source /usr/share/bash-completion/completions/jspawn; COMP_WORDS=(jspawn li); COMP_CWORD=1;"
                + " _jspawn_bash; echo ${COMPREPLY[@]}'"), "bash completion");
        assertTrue(holds("test -f /usr/share/zsh/vendor-completions/_jspawn"), "zsh completion");
        assertTrue(holds("test -s /var/cache/jspawn/generator.jvm"), "postinst built the class archives");

        // A container, run from what the package installed: generator, template, helper and its bus policy.
        sh("printf '[Container]\\nBase=default-ns-1\\n' > /etc/jspawn/pkg.jspawn && systemctl daemon-reload && systemctl start jspawn@pkg");
        List<Map<String, String>> list = objects(sh("jspawn list --json"));
        assertEquals(1, list.size(), list.toString());
        assertEquals("pkg", list.get(0).get("container"));
        assertEquals("active", list.get(0).get("unit"));
        assertEquals("running", list.get(0).get("machine_state"));
        assertEquals("true", list.get(0).get("valid"));
        assertEquals(0, box.sh("jspawn status pkg").exit(), "running: 0");
        sh("systemctl stop jspawn@pkg");
        assertEquals(3, box.sh("jspawn status pkg").exit(), "not running: 3, as systemctl status");
        assertEquals(4, box.sh("jspawn status nosuch").exit(), "no such container: 4");

        // apt remove: the package goes; the containers, their files and the admin's configuration stay.
        sh("DEBIAN_FRONTEND=noninteractive apt-get remove -y jspawn");
        assertFalse(holds("test -e /usr/bin/jspawn || test -e /usr/share/jspawn || test -e /usr/lib/systemd/system/jspawn@.service"));
        assertTrue(holds("test -f /etc/jspawn/pkg.jspawn && test -d /var/lib/jspawn/pkg_up/etc && test -d /var/lib/jspawn/default-ns-1"),
                "the containers' files are kept");
        assertTrue(holds("test -f /etc/jspawn/README"), "a conffile stays until purge");
        assertEquals("700", sh("stat -c %a /var/lib/jspawn"));
        assertFalse(holds("test -e /run/systemd/generator/jspawn@pkg.service.d"), "systemd forgot the generated units");

        // apt purge: the package's conffile and class archives go; still not a container's file.
        sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y jspawn");
        assertFalse(holds("test -e /etc/jspawn/README || test -e /var/cache/jspawn"));
        assertTrue(holds("test -f /etc/jspawn/pkg.jspawn && test -d /var/lib/jspawn/pkg_up/etc"), "purge keeps the data");
    }

    /**
     * Every golden case through the launcher the package installs, as a black box: a launcher bug (the wrong
     * jar, a lost flag or locale) shows here, where GoldenTest, calling GeneratorMain in-process, cannot see it.
     * The package is installed for this test and purged after it, so the other test starts without it either way.
     */
    @Test
    void theInstalledGeneratorLauncherWritesEveryGoldenCasesExpectedTree() throws IOException {
        List<String> cases;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            cases = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertFalse(cases.isEmpty(), "no golden cases in " + GOLDEN);
        sh("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + deb);
        try {
            StringBuilder failures = new StringBuilder();
            for (String name : cases) {
                Sandbox.Result r = box.sh(GOLDEN_CASE, GOLDEN_INSIDE + name);
                if (r.exit() != 0) failures.append("---- golden case ").append(name).append(" ----\n").append(r.out()).append(r.err());
            }
            if (failures.length() > 0) {
                throw new AssertionError("the installed generator launcher did not write what the golden cases expect"
                        + " (diff -ru EXPECTED WRITTEN):\n" + failures);
            }
        } finally {
            sh("DEBIAN_FRONTEND=noninteractive apt-get purge -y jspawn");
        }
    }

    @Test
    void scriptsInstallPutsTheSameFilesInPlaceAndUninstallTakesThemAwayButNotTheData() throws IOException {
        Path root = STATE.resolveSibling("install-root");
        Sandbox.exec(List.of("rm", "-rf", root.toString()), java.time.Duration.ofSeconds(30)).ok();
        Files.createDirectories(root);
        Sandbox.exec(List.of(SRC.resolve("scripts/install").toString(), "--root", root.toString(), "--no-deps"), java.time.Duration.ofMinutes(5)).ok();
        // Both routes install the same files: the package's (its README conffile aside; man pages gzipped there) and the
        // script's (the class archives aside, which both build at install time).
        java.util.Set<String> packaged = new java.util.TreeSet<>();
        for (String line : Sandbox.exec(List.of("dpkg-deb", "-c", SRC.resolve(deb.replace("/run/jspawn-src/", "")).toString()),
                java.time.Duration.ofSeconds(30)).ok().out().lines().toList()) {
            if (!line.startsWith("-")) continue;
            String path = line.substring(line.indexOf("./") + 2).replaceFirst("\\.gz$", "");
            if (!path.equals("etc/jspawn/README")) packaged.add(path);
        }
        java.util.Set<String> installed = new java.util.TreeSet<>();
        for (String line : Sandbox.exec(List.of("find", root.toString(), "-type", "f"), java.time.Duration.ofSeconds(30)).ok().out().lines().toList()) {
            String path = root.relativize(Path.of(line)).toString();
            if (!path.startsWith("var/cache/jspawn/")) installed.add(path);
        }
        assertEquals(packaged, installed, "the .deb and scripts/install install the same files");
        assertTrue(installed.contains("usr/share/bash-completion/completions/jspawn") && installed.contains("usr/share/zsh/vendor-completions/_jspawn"));
        Files.createDirectories(root.resolve("var/lib/jspawn/web_up/etc"));
        Files.writeString(root.resolve("etc/jspawn/web.jspawn"), "[Container]\nBase=debian\n");

        String out = Sandbox.exec(List.of(SRC.resolve("scripts/install").toString(), "--uninstall", "--root", root.toString()),
                java.time.Duration.ofMinutes(1)).ok().out();
        assertTrue(out.contains("kept /etc/jspawn and /var/lib/jspawn"), out);
        List<String> left = Sandbox.exec(List.of("find", root.toString(), "-type", "f"), java.time.Duration.ofSeconds(30)).ok().out().lines()
                .map(l -> root.relativize(Path.of(l)).toString()).sorted().toList();
        assertEquals(List.of("etc/jspawn/web.jspawn"), left, "only the admin's file is left, and the image root with the data");
        assertTrue(Files.isDirectory(root.resolve("var/lib/jspawn/web_up/etc")));
        Sandbox.exec(List.of("rm", "-rf", root.toString()), java.time.Duration.ofSeconds(30)).ok();
    }
}
