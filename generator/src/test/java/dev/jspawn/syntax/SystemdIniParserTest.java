package dev.jspawn.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** systemd.syntax(7) rules, especially where ini4j alone differs. */
class SystemdIniParserTest {

    private static final Path F = Path.of("/etc/jspawn/t.jspawn");

    private static SystemdIniParser.Result parse(String text) {
        return SystemdIniParser.parse(F, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String entries(SystemdIniParser.Result r) {
        return r.unit().entries().stream().map(e -> e.line() + ":" + e.section() + "." + e.key() + "=" + e.value())
                .collect(Collectors.joining("|"));
    }

    @Test
    void continuationJoinsWithASpaceAndKeepsTheFirstLineNumber() {
        var r = parse("[Exec]\nParameters=abc\\\ndef\nBoot=no\n");
        assertEquals(List.of(), r.errors());
        assertEquals("2:Exec.Parameters=abc def|4:Exec.Boot=no", entries(r));
    }

    @Test
    void commentInsideAContinuationIsSkipped() {
        var r = parse("[Exec]\nParameters=a \\\n# not this\n  b\n");
        assertEquals(List.of(), r.errors());
        assertEquals("2:Exec.Parameters=a    b", entries(r), "the raw text is kept, the backslash becomes a space");
    }

    @Test
    void anEscapedBackslashAtTheEndIsNoContinuation() {
        var r = parse("[Exec]\nParameters=a\\\\\nBoot=no\n");
        assertEquals("2:Exec.Parameters=a\\\\|3:Exec.Boot=no", entries(r));
    }

    @Test
    void continuationAtEndOfFileKeepsItsValue() {
        var r = parse("[Exec]\nParameters=abc\\");
        assertEquals(List.of(), r.errors());
        assertEquals("2:Exec.Parameters=abc", entries(r));
    }

    @Test
    void repeatedKeysAndEmptyAssignmentsAreKeptInOrder() {
        var r = parse("[Files]\nBind=/a\nBind=\nBind=/b\n");
        assertEquals("2:Files.Bind=/a|3:Files.Bind=|4:Files.Bind=/b", entries(r));
    }

    @Test
    void noInlineCommentsAndNoColonSeparatorAndRawBackslashes() {
        var r = parse("[Exec]\nEnvironment=A=x # y ; z\nParameters=C:\\temp a\\,b \\x2d ${s/a}\n");
        assertEquals(List.of(), r.errors());
        assertEquals("2:Exec.Environment=A=x # y ; z|3:Exec.Parameters=C:\\temp a\\,b \\x2d ${s/a}", entries(r));
    }

    @Test
    void repeatedSectionsMergeAndCommentsAndBomAreIgnored() {
        var r = parse("\uFEFF# c\n; c\n[Exec]\n  Boot = no \n[Files]\nBind=/x\n[Exec]\nParameters=/bin/true\n");
        assertEquals(List.of(), r.errors());
        assertEquals("4:Exec.Boot=no|8:Exec.Parameters=/bin/true|6:Files.Bind=/x", entries(r));
    }

    @Test
    void lineWithoutEqualsIsAnErrorWithItsLine() {
        var r = parse("[Files]\nBind /a:/b\n");
        assertEquals("/etc/jspawn/t.jspawn:2: missing '=' in \"Bind /a:/b\": expected KEY=VALUE", r.errors().get(0).toString());
    }

    @Test
    void keyBeforeFirstSectionIsAnError() {
        var r = parse("Base=x\n[Container]\n");
        assertEquals("/etc/jspawn/t.jspawn:1: Base=: assignment outside of any section", r.errors().get(0).toString());
    }

    @Test
    void invalidUtf8IsAnErrorWithItsLine() {
        byte[] bad = "[Exec]\nEnvironment=A=\u00ff\n".getBytes(StandardCharsets.ISO_8859_1);
        var r = SystemdIniParser.parse(F, bad);
        assertEquals("/etc/jspawn/t.jspawn:2: invalid UTF-8", r.errors().get(0).toString());
    }

    @Test
    void utf8ValuesSurvive() {
        var r = parse("[Exec]\nEnvironment=GREETING=caf\u00e9 \u2603\n");
        assertEquals("2:Exec.Environment=GREETING=caf\u00e9 \u2603", entries(r));
    }

    @Test
    void badSectionHeaderIsAnError() {
        var r = parse("[Exec\nBoot=no\n");
        assertTrue(r.errors().get(0).toString().startsWith("/etc/jspawn/t.jspawn:1: invalid section header"), r.errors().toString());
    }
}
