package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import picocli.CommandLine;

/** jspawn start/stop/restart/enable/disable: either spelling of a name, the systemctl call each makes, and its failure. */
class UnitVerbsTest {

    @TempDir
    Path tmp;

    Path etc;
    final List<String> systemctl = new ArrayList<>();
    final StringWriter err = new StringWriter();
    int systemctlStatus;

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("child_apache.jspawn"), "[Container]\nBase=/srv/base\n");
        Files.writeString(etc.resolve("db.jspawn"), "[Container]\nBase=/srv/base\nMachineName=database\n");
    }

    int run(String... args) {
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), () -> new JspawnCommandTest.FakeBus(), tmp.resolve("proc"), a -> {
            systemctl.add(String.join(" ", a));
            return systemctlStatus;
        }));
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void eachVerbTakesEitherSpelling() {
        assertEquals(0, run("start", "child-apache", "db"));
        assertEquals(0, run("stop", "child_apache"));
        assertEquals(0, run("restart", "database"));
        assertEquals(0, run("enable", "--now", "child-apache", "child_apache"));
        assertEquals(0, run("disable", "db"));
        assertEquals(List.of("start jspawn@child_apache.service jspawn@db.service", "stop jspawn@child_apache.service var-lib-jspawn-child_apache.mount",
                "restart jspawn@db.service", "enable --now jspawn@child_apache.service", "disable jspawn@db.service"), systemctl);
    }

    @Test
    void anUnknownNameStartsNothing() {
        assertEquals(1, run("start", "child-apache", "nosuch"));
        assertEquals(List.of(), systemctl, "nothing is started when one name is wrong");
        assertTrue(err.toString().contains("No container nosuch"), err.toString());
    }

    @Test
    void aFailingSystemctlFailsTheCommandAndSaysWhereToLook() {
        systemctlStatus = 1;
        assertEquals(1, run("start", "db"));
        assertTrue(err.toString().contains("systemctl start jspawn@db.service failed (exit status 1); see: systemctl status jspawn@db.service"),
                err.toString());
    }
}
