package dev.jspawn.generator;

import java.util.ArrayList;
import java.util.List;

import dev.jspawn.syntax.Ascii;

/**
 * Builds an {@code ExecStart=}-style command line. Each argument becomes exactly one word for
 * systemd: quoted where needed, with '\\' and '"' escaped and '$' doubled, so no value can
 * expand a variable or split into more words. ('%' is escaped by the unit writer.)
 */
public final class ExecLine {

    /** Characters a word may have unquoted (besides letters and digits). */
    private static final String PLAIN = "_./:=+,@%-";

    private final List<String> words = new ArrayList<>();

    public ExecLine(String executable) {
        words.add(quote(executable));
    }

    public ExecLine arg(String arg) {
        words.add(quote(arg));
        return this;
    }

    public ExecLine args(List<String> args) {
        args.forEach(this::arg);
        return this;
    }

    /** A word written as it is, for systemd's own expansions such as {@code ${MAINPID}}. */
    public ExecLine raw(String word) {
        words.add(word);
        return this;
    }

    @Override
    public String toString() {
        return String.join(" ", words);
    }

    /** Whether {@code arg} needs no quotes: one or more of A-Z a-z 0-9 and {@value #PLAIN}. (A loop, not a regular expression: it is asked for every word of every unit.) */
    private static boolean plain(String arg) {
        if (arg.isEmpty()) return false;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (!Ascii.letterOrDigit(c) && PLAIN.indexOf(c) < 0) return false;
        }
        return true;
    }

    static String quote(String arg) {
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("control character in command argument");
        }
        if (arg.equals(";")) return "\\;";
        if (plain(arg)) return arg;
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '$' -> sb.append("$$");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
