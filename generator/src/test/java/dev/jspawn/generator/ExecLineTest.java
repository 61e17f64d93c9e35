package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExecLineTest {

    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "--bind=/a:/b | --bind=/a:/b",
        "--setenv=A=b c | \"--setenv=A=b c\"",
        "$HOME | \"$$HOME\"",
        "a\"b\\c | \"a\\\"b\\\\c\"",
        "; | \\;",
        "`` | \"\"",
        "caf\u00e9 | \"caf\u00e9\"",
        "100% | 100%",
    })
    void quotesEachArgumentAsOneWord(String arg, String expected) {
        assertEquals(expected, ExecLine.quote(arg));
    }

    @Test
    void rawWordsAreLeftForSystemdToExpand() {
        assertEquals("/usr/bin/jspawn register x ${MAINPID}", new ExecLine("/usr/bin/jspawn").arg("register").arg("x").raw("${MAINPID}").toString());
    }

    @Test
    void refusesControlCharacters() {
        assertThrows(IllegalArgumentException.class, () -> ExecLine.quote("a\nb"));
    }
}
