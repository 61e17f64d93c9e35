package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Table-tested like systemd's test-unit-name.c, and checked against the real systemd-escape --path. */
class UnitNamesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/var/lib/jspawn/child_apache | var-lib-jspawn-child_apache",
        "/ | -",
        "/srv/jspawn-images/a | srv-jspawn\\x2dimages-a",
        "/srv/.hidden/x | srv-.hidden-x",
        "/.hidden | \\x2ehidden",
        "/a//b/ | a-b",
        "/srv/caf\u00e9 | srv-caf\\xc3\\xa9",
        "/srv/a b+c@d~e | srv-a\\x20b\\x2bc\\x40d\\x7ee",
        "/srv/x:y_z.w | srv-x:y_z.w",
    })
    void escapesLikeSystemdEscape(String path, String expected) throws Exception {
        assertEquals(expected + ".mount", UnitNames.fromPath(path, ".mount"));
        assertEquals(expected, systemdEscape(path), "systemd-escape --path disagrees with the table");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/foo/../bar", "/foo/./bar", "relative/path", ""})
    void refusesPathsThatAreNotAbsoluteAndNormalized(String path) {
        assertThrows(IllegalArgumentException.class, () -> UnitNames.fromPath(path, ".mount"));
    }

    @org.junit.jupiter.api.Test
    void refusesNamesLongerThanSystemdAllows() {
        assertThrows(IllegalArgumentException.class, () -> UnitNames.fromPath("/" + "a".repeat(250), ".mount"));
    }

    static String systemdEscape(String path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("systemd-escape", "--path", path).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), "systemd-escape failed: " + out);
        return out;
    }
}
