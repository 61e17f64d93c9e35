package dev.jspawn.syntax;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The ASCII letters and digits, at the edges of each range, and what lies beside them or looks like them. */
class AsciiTest {

    @Test
    void lettersAndDigitsAtTheEdgesOfEachRange() {
        for (char c : "09AZaz5Mm".toCharArray()) assertTrue(Ascii.letterOrDigit(c), String.valueOf(c));
    }

    @Test
    void theCharactersBesideEachRangeAndOtherScriptsAreNot() {
        // '/' and ':' around the digits, '@' and '[' around A-Z, '`' and '{' around a-z; then a letter and digits of
        // other scripts that Character.isLetterOrDigit takes, a fullwidth A, NUL, DEL and a byte's 0xff
        for (int c : new int[] {'/', ':', '@', '[', '`', '{', '_', '-', '.', ' ', 'é', '\u0663', '\u0966', '\uff21', 0, 0x7f, 0xff}) {
            assertFalse(Ascii.letterOrDigit(c), "U+" + Integer.toHexString(c));
        }
    }
}
