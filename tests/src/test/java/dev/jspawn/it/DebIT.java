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
 * leave the containers' files and the admin's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DebIT {

    static final Path SRC = EndToEndIT.SRC;
    static final Path STATE = EndToEndIT.STATE.resolveSibling("sandbox-deb");

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
