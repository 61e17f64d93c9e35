package dev.jspawn.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builds an {@code ExecStart=}-style command line. Each argument becomes exactly one word for
 * systemd: quoted where needed, with '\\' and '"' escaped and '$' doubled, so no value can
 * expand a variable or split into more words. ('%' is escaped by the unit writer.)
 */
public final class ExecLine {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=+,@%-]+");

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

    static String quote(String arg) {
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException("control character in command argument");
        }
        if (arg.equals(";")) return "\\;";
        if (PLAIN.matcher(arg).matches()) return arg;
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
