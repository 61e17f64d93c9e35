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
import dev.jspawn.machined.HostBus;
import picocli.CommandLine;

/** prune and restore: the safety rules around the engine, with a fake bus, mountinfo and systemctl. */
class PruneCommandTest {

    @TempDir
    Path tmp;

    Path etc, root, proc;
    final JspawnCommandTest.FakeBus bus = new JspawnCommandTest.FakeBus();
    final List<String> systemctl = new ArrayList<>();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        root = Files.createDirectories(tmp.resolve("images"));
        proc = Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(proc.resolve("mountinfo"), "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n");
        Files.writeString(etc.resolve("child_apache.jspawn"), "[Container]\nBase=default-ns-1\nImageRoot=" + root + "\n");
        write("default-ns-1/etc/same", "same");
        write("default-ns-1/etc/conf", "base");
        write("child_apache_up/etc/same", "same");
        write("child_apache_up/etc/conf", "child");
        Files.createDirectories(root.resolve("child_apache_work"));
    }

    void write(String rel, String text) throws IOException {
        Files.createDirectories(root.resolve(rel).getParent());
        Files.writeString(root.resolve(rel), text);
    }

    void state(String unit, String active) {
        bus.units.put(unit, new HostBus.UnitInfo(unit, "loaded", active, active.equals("active") ? "running" : "dead"));
    }

    int run(String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), () -> bus, tmp.resolve("proc"), a -> {
            systemctl.add(String.join(" ", a));
            return 0;
        }));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    String automount() {
        return "tmp-" + root.toString().substring(5).replace("-", "\\x2d").replace("/", "-") + "-child_apache.automount";
    }

    @Test
    void aRunningChildIsRefusedAndNothingChanges() {
        state("jspawn@child_apache.service", "active");
        assertEquals(1, run("prune", "child_apache"));
        assertEquals("jspawn: child_apache is running (jspawn@child_apache.service is active); stop it first, or pass --stop\n", err.toString());
        assertTrue(Files.exists(root.resolve("child_apache_up/etc/same")));
        assertEquals(List.of(), systemctl);
    }

    @Test
    void aMountedOverlayIsRefused() throws IOException {
        Files.writeString(proc.resolve("mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "90 22 0:50 / /elsewhere rw - overlay overlay rw,lowerdir=/x,upperdir=" + root.resolve("child_apache_up")
                + ",workdir=" + root.resolve("child_apache_work") + "\n");
        assertEquals(1, run("prune", "child_apache"));
        assertTrue(err.toString().contains("child_apache's overlay is mounted at /elsewhere; stop it first, or pass --stop"), err.toString());
        assertTrue(Files.exists(root.resolve("child_apache_up/etc/same")));
    }

    @Test
    void theAutomountsOwnAutofsMountIsNotAMountedOverlay() throws IOException {
        Files.writeString(proc.resolve("mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "91 22 0:51 / " + root.resolve("child_apache") + " rw,relatime - autofs systemd-1 rw,fd=40,pgrp=1,direct\n");
        assertEquals(0, run("prune", "child_apache"), err.toString());
        Files.writeString(proc.resolve("mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "91 22 0:51 / " + root.resolve("child_apache") + " rw,relatime - autofs systemd-1 rw,fd=40,pgrp=1,direct\n"
                + "92 91 0:52 / " + root.resolve("child_apache") + " rw,relatime - overlay overlay rw,lowerdir=/x\n");
        assertEquals(1, run("prune", "child_apache"));
        assertTrue(err.toString().contains("child_apache's overlay is mounted at " + root.resolve("child_apache")), err.toString());
    }

    @Test
    void stopStopsTheChildAndHoldsTheAutomountDownMeanwhile() throws IOException {
        state("jspawn@child_apache.service", "active");
        state(automount(), "active");
        assertEquals(0, run("prune", "--stop", "child-apache"), err.toString());
        assertEquals(List.of("stop " + automount() + " jspawn@child_apache.service", "start " + automount()), systemctl);
        assertFalse(Files.exists(root.resolve("child_apache_up/etc/same")));
        assertEquals("child", Files.readString(root.resolve("child_apache_up/etc/conf")));
        String text = out.toString();
        assertTrue(text.contains("keep etc/conf (changed by the child)\n"), text);
        assertTrue(text.contains("Removed 1 identical files and 0 directories from " + root.resolve("child_apache_up") + "; 1 changed files kept."), text);
        assertTrue(text.contains("jspawn@child_apache.service was stopped; start it again with: systemctl start jspawn@child_apache.service"), text);
    }

    @Test
    void dryRunListsAndChangesNothingEvenWhileRunning() {
        state("jspawn@child_apache.service", "active");
        assertEquals(0, run("prune", "--dry-run", "--prefer-base", "child_apache"));
        assertTrue(out.toString().startsWith("move etc/conf to " + root.resolve("child_apache_backup/etc/conf")), out.toString());
        assertTrue(out.toString().contains("remove etc/same (identical to the base)\n"));
        assertTrue(Files.exists(root.resolve("child_apache_up/etc/same")));
        assertEquals(List.of(), systemctl);
    }

    @Test
    void preferBaseThenRestoreBringsTheChildsVersionBack() throws IOException {
        assertEquals(0, run("prune", "--prefer-base", "child_apache"), err.toString());
        assertFalse(Files.exists(root.resolve("child_apache_up/etc")), "etc held only pruned and moved files");
        assertEquals("child", Files.readString(root.resolve("child_apache_backup/etc/conf")));
        assertEquals(0, run("restore", "child_apache", "/etc/conf"), err.toString());
        assertEquals("child", Files.readString(root.resolve("child_apache_up/etc/conf")));
        assertEquals(Files.getAttribute(root.resolve("default-ns-1/etc"), "unix:mode"), Files.getAttribute(root.resolve("child_apache_up/etc"), "unix:mode"));
        assertEquals(1, run("restore", "child_apache", "/etc/conf"));
        assertTrue(err.toString().contains("no backup of /etc/conf in " + root.resolve("child_apache_backup")), err.toString());
    }

    @Test
    void restoreTakesTheNewestBackupAndNeverOverwrites() throws IOException {
        write("child_apache_backup/etc/conf", "oldest");
        write("child_apache_backup/etc/conf.~1~", "older");
        write("child_apache_backup/etc/conf.~2~", "newest");
        assertEquals(1, run("restore", "child_apache", "etc/conf"));
        assertTrue(err.toString().contains("/etc/conf exists in the child again"), err.toString());
        Files.delete(root.resolve("child_apache_up/etc/conf"));
        assertEquals(0, run("restore", "child_apache", "etc/conf"), err.toString());
        assertEquals("newest", Files.readString(root.resolve("child_apache_up/etc/conf")));
        assertEquals(1, run("restore", "child_apache", "../etc/passwd"));
    }
}
