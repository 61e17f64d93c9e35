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
import dev.jspawn.generator.UnitNames;
import dev.jspawn.machined.HostBus;
import picocli.CommandLine;

class CreateRemoveCommandTest {

    @TempDir
    Path tmp;

    Path etc, usr, root;
    final JspawnCommandTest.FakeBus bus = new JspawnCommandTest.FakeBus();
    final List<String> systemctl = new ArrayList<>();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        etc = tmp.resolve("etc");
        usr = Files.createDirectories(tmp.resolve("usr"));
        root = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
    }

    int run(String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc, usr)), () -> bus, tmp.resolve("proc"), a -> {
            systemctl.add(String.join(" ", a));
            return 0;
        }));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void createWritesTheSameFileAnAdminWouldAndReloads() throws IOException {
        Path base = Files.createDirectories(root.resolve("default-ns-1"));
        assertEquals(0, run("create", "child_web", "--base", base.toString(), "--port", "tcp:8080:80", "--port", "443",
                "--bind-ro", "/srv/www:/var/www", "--network", "bridge:br0"), err.toString());
        assertEquals("# Made by jspawn create; edit it freely (see jspawn.jspawn(5)).\n\n[Container]\nBase=" + base + "\n\n"
                + "[Files]\nBindReadOnly=/srv/www:/var/www\n\n[Network]\nBridge=br0\nPort=tcp:8080:80\nPort=443\n",
                Files.readString(etc.resolve("child_web.jspawn")));
        assertEquals(List.of("daemon-reload"), systemctl);
        assertTrue(out.toString().contains("Start it with: systemctl start jspawn@child_web"), out.toString());
    }

    @Test
    void createRefusesWhatAHandWrittenFileWouldBeRefusedAndWritesNothing() {
        assertEquals(1, run("create", "c", "--base", "/x,lowerdir=/etc"));
        assertTrue(err.toString().contains("not created:\n  path \"/x,lowerdir=/etc\" is refused: ',' would end the mount option"), err.toString());
        assertEquals(1, run("create", "c", "--base", "b", "--network", "host", "--port", "80"));
        assertTrue(err.toString().contains("Port= needs a virtual Ethernet link"), err.toString());
        assertEquals(1, run("create", "caf\u00e9", "--base", "b"));
        assertFalse(Files.exists(etc), "nothing was written");
        assertEquals(List.of(), systemctl);
    }

    @Test
    void createRefusesCollisionsWithTheHostAnotherChildOrAMissingBase() throws IOException {
        Files.createDirectories(root.resolve("b"));
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("x.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        assertEquals(1, run("create", "c", "--base", "/"));
        assertTrue(err.toString().contains("not created:\n  the base / is one of the host's own directories: the guest would see it whole"), err.toString());
        assertEquals(1, run("create", "c", "--base", root.resolve("nosuch").toString()));
        assertTrue(err.toString().contains("the base directory " + root.resolve("nosuch") + " does not exist"), err.toString());
        assertEquals(1, run("create", "c", "--base", root.resolve("x_up").toString()));
        assertTrue(err.toString().contains("its base " + root.resolve("x_up") + " overlaps " + root.resolve("x_up") + " of container x ("
                + etc.resolve("x.jspawn") + ")"), err.toString());
        assertEquals(1, run("create", "c", "--base", root.resolve("b").toString(), "--machine-name", "x"));
        assertTrue(err.toString().contains("machine name x is already used by container x"), err.toString());
        assertFalse(Files.exists(etc.resolve("c.jspawn")), "nothing was written");
        assertEquals(List.of(), systemctl);
    }

    @Test
    void createNeverReplacesAConfiguredChild() throws IOException {
        Files.writeString(usr.resolve("c.jspawn"), "[Container]\nBase=b\n");
        assertEquals(1, run("create", "c", "--base", "other"));
        assertEquals("jspawn: c is already configured in " + usr.resolve("c.jspawn") + "\n", err.toString());
    }

    @Test
    void removeDisablesDeletesAndKeepsWhatTheChildWroteUnlessPurged() throws IOException {
        assertEquals(0, run("create", "c", "--base", Files.createDirectories(root.resolve("b")).toString(), "--no-reload"), err.toString());
        Files.writeString(etc.resolve("c.jspawn"), Files.readString(etc.resolve("c.jspawn")) + "ImageRoot=" + root + "\n");
        Files.createDirectories(root.resolve("c_up/root"));
        Files.writeString(root.resolve("c_up/root/data"), "12345");
        Files.createDirectories(root.resolve("c_work"));
        assertEquals(0, run("remove", "c"), err.toString());
        assertFalse(Files.exists(etc.resolve("c.jspawn")));
        assertEquals(List.of("disable --quiet jspawn@c.service", "daemon-reload"), systemctl);
        assertTrue(out.toString().contains("Kept what it wrote: " + root.resolve("c_up") + " (5B); delete it with --purge."), out.toString());
        assertTrue(Files.exists(root.resolve("c_up/root/data")));

        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        assertEquals(0, run("remove", "--purge", "c"), err.toString());
        assertFalse(Files.exists(root.resolve("c_up")));
        assertFalse(Files.exists(root.resolve("c_work")));
    }

    void failed(String unit) {
        bus.units.put(unit, new HostBus.UnitInfo(unit, "not-found", "failed", "failed"));
    }

    @Test
    void removeResetsTheFailedUnitsAndPurgeDeletesTheEmptyMountPoint() throws IOException {
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        Files.createDirectories(root.resolve("c_up/etc"));
        Files.createDirectories(root.resolve("c_work"));
        Files.createDirectories(root.resolve("c"));
        String mount = UnitNames.fromPath(root.resolve("c").toString(), ".mount");
        failed("jspawn@c.service");
        failed("jspawn-dirs@c.service");
        failed(mount);
        assertEquals(0, run("remove", "--purge", "c"), err.toString());
        assertEquals(List.of("disable --quiet jspawn@c.service", "daemon-reload", "reset-failed jspawn@c.service jspawn-dirs@c.service " + mount),
                systemctl, "only the failed units are reset: systemctl complains of each that is not loaded");
        assertFalse(Files.exists(root.resolve("c")), "the mount point goes with the rest");
        assertTrue(out.toString().contains("Deleted " + root.resolve("c_up") + ", " + root.resolve("c_work") + ", " + root.resolve("c") + "."),
                out.toString());
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void plainRemoveResetsTheFailedUnitsButKeepsTheMountPoint() throws IOException {
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        Files.createDirectories(root.resolve("c"));
        failed(UnitNames.fromPath(root.resolve("c").toString(), ".automount"));
        assertEquals(0, run("remove", "c"), err.toString());
        assertEquals("reset-failed " + UnitNames.fromPath(root.resolve("c").toString(), ".automount"), systemctl.get(systemctl.size() - 1));
        assertTrue(Files.isDirectory(root.resolve("c")));
    }

    @Test
    void purgeKeepsAMountPointThatIsNotEmptyNotADirectoryOrMountedOn() throws IOException {
        Files.createDirectories(etc);
        Path where = root.resolve("c");
        String file = "[Container]\nBase=b\nImageRoot=" + root + "\n";

        Files.writeString(etc.resolve("c.jspawn"), file);
        Files.createDirectories(where);
        Files.writeString(where.resolve("notes"), "the admin's");
        assertEquals(0, run("remove", "--purge", "c"), err.toString());
        assertEquals("the admin's", Files.readString(where.resolve("notes")));
        assertTrue(out.toString().contains("jspawn: note: kept " + where + ": it is not empty"), out.toString());
        Files.delete(where.resolve("notes"));

        Files.writeString(etc.resolve("c.jspawn"), file);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.delete(where);
        Files.createSymbolicLink(where, elsewhere);
        assertEquals(0, run("remove", "--purge", "c"), err.toString());
        assertTrue(Files.isSymbolicLink(where) && Files.isDirectory(elsewhere), "a symlink is neither followed nor deleted");
        assertTrue(out.toString().contains("jspawn: note: kept " + where + ": it is not a directory but a symlink"), out.toString());
        Files.delete(where);

        Files.writeString(etc.resolve("c.jspawn"), file);
        Files.createDirectories(where);
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "40 22 0:51 / " + where + " rw,relatime shared:30 - autofs systemd-1 rw,fd=47,pgrp=1,timeout=0,minproto=5,maxproto=5,direct\n");
        assertEquals(0, run("remove", "--purge", "c"), err.toString());
        assertTrue(Files.isDirectory(where), "never rmdir a mount point in use");
        assertTrue(out.toString().contains("jspawn: note: kept " + where + ": a file system (autofs) is mounted on it"), out.toString());
    }

    @Test
    void removeLeavesTheAutomountOfTheRemovedChildStopped() throws IOException {
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        String automount = UnitNames.fromPath(root.resolve("c").toString(), ".automount");
        bus.units.put(automount, new HostBus.UnitInfo(automount, "loaded", "active", "waiting"));
        assertEquals(0, run("remove", "c"), err.toString());
        assertEquals("stop " + automount, systemctl.get(0));
        assertFalse(systemctl.contains("start " + automount), "started again, it would hold the mount point of a child that is gone: " + systemctl);
    }

    @Test
    void anInstanceOfATemplateIsShownWithItAndRemovedWithoutIt() throws IOException {
        Files.createDirectories(etc);
        Files.createDirectories(root.resolve("b"));
        Files.writeString(etc.resolve("web@.jspawn"), "[Container]\nBase=b\nImageRoot=" + root + "\n");
        Files.createSymbolicLink(etc.resolve("web@a.jspawn"), Path.of("web@.jspawn"));
        Files.writeString(etc.resolve("web@b.jspawn"), "[Exec]\nHostname=shop\n");

        assertEquals(0, run("cat", "web-b"), err.toString());
        assertEquals("# " + etc.resolve("web@.jspawn") + "\n[Container]\nBase=b\nImageRoot=" + root + "\n\n# " + etc.resolve("web@b.jspawn")
                + "\n[Exec]\nHostname=shop\n", out.toString(), "the template, then the instance's own file");
        assertEquals(1, run("cat", "web@"), "a template is no container");

        assertEquals(0, run("remove", "web@a"), err.toString());
        assertFalse(Files.exists(etc.resolve("web@a.jspawn"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(etc.resolve("web@.jspawn")), "the template stays");
        assertTrue(systemctl.contains("disable --quiet jspawn@web@a.service"), systemctl.toString());
    }

    @Test
    void removeRefusesARunningChild() throws IOException {
        Files.createDirectories(etc);
        Files.writeString(etc.resolve("c.jspawn"), "[Container]\nBase=b\n");
        bus.units.put("jspawn@c.service", new HostBus.UnitInfo("jspawn@c.service", "loaded", "active", "running"));
        assertEquals(1, run("remove", "c"));
        assertTrue(Files.exists(etc.resolve("c.jspawn")));
        assertTrue(err.toString().contains("c is running (jspawn@c.service is active); stop it first, or pass --stop"), err.toString());
    }
}
