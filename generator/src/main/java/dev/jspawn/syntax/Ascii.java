package dev.jspawn.syntax;

/**
 * The character class that names, unit names and command words are built on: ASCII letters and digits only, never
 * another script's (which {@link Character#isLetterOrDigit} would let through). Each caller adds the few other
 * characters its own rule allows.
 */
public final class Ascii {

    private Ascii() {
    }

    /** Whether {@code c} (a char, or a byte as 0-255) is one of A-Z, a-z, 0-9. */
    public static boolean letterOrDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
