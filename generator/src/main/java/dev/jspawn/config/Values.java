package dev.jspawn.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks and conversions of single values, each returning a message that says what is wrong.
 * The path rule is the injection guard: a path used in a mount option list or a unit file may
 * not hold a character that means something there.
 */
public final class Values {

    /** Thrown with a message fit for the admin; the caller adds file, line and key. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        public Invalid(String message) {
            super(message);
        }
    }

    private Values() {
    }

    /**
     * An absolute, normalized path with no character that would end a mount option (',' and the
     * lowerdir separator ':'), escape ('\\'), quote ('"', '\''), or split (white space) a value.
     */
    public static String path(String value) throws Invalid {
        if (value.isEmpty()) throw new Invalid("empty path");
        if (!value.startsWith("/")) throw new Invalid("\"" + value + "\" is not an absolute path");
        safeChars("path", value);
        if (value.length() > 1 && value.endsWith("/")) throw new Invalid("path \"" + value + "\" has a trailing '/'");
        if (!value.equals("/")) {
            for (String part : value.substring(1).split("/", -1)) {
                if (part.isEmpty()) throw new Invalid("path \"" + value + "\" has an empty component (\"//\")");
                if (part.equals(".") || part.equals("..")) throw new Invalid("path \"" + value + "\" has a \"" + part + "\" component");
            }
        }
        if (value.length() > 4095) throw new Invalid("path is longer than 4095 characters");
        return value;
    }

    /** One directory name, e.g. a base image under the image root: the characters a path may hold, no '/'. */
    public static String fileName(String value) throws Invalid {
        if (value.isEmpty() || value.equals(".") || value.equals("..") || value.contains("/")) {
            throw new Invalid("\"" + value + "\" is not a single directory name");
        }
        safeChars("name", value);
        return value;
    }

    private static void safeChars(String what, String value) throws Invalid {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String why = switch (c) {
                case ',' -> "',' would end the mount option";
                case ':' -> "':' separates overlay layers";
                case '\\' -> "'\\' is an escape character";
                case '"', '\'' -> "quotes are not allowed";
                default -> (c < 0x20 || c == 0x7f) ? "control characters are not allowed"
                        : Character.isWhitespace(c) || Character.isSpaceChar(c) ? "white space is not allowed" : null;
            };
            if (why != null) throw new Invalid(what + " \"" + value + "\" is refused: " + why);
        }
    }

    /** A boolean as systemd reads it. */
    public static boolean bool(String value) throws Invalid {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "1", "yes", "y", "true", "t", "on":
                return true;
            case "0", "no", "n", "false", "f", "off":
                return false;
            default:
                throw new Invalid("\"" + value + "\" is not a boolean (yes/no, true/false, on/off, 1/0)");
        }
    }

    /**
     * PrivateUsers= as systemd.nspawn(5) reads it, for an overlay child: a boolean or {@code pick}
     * (yes means pick: the range is then recorded as the owner of the upper dir), or the first host
     * UID of the range, optionally followed by {@code :65536}. {@code identity} is refused: it maps
     * the guest's root to host root.
     */
    public static ContainerConfig.PrivateUsers privateUsers(String value) throws Invalid {
        if (value.equals("pick")) return ContainerConfig.PrivateUsers.PICK;
        if (value.equals("identity")) {
            throw new Invalid("\"identity\" maps the guest's root to host root; use PrivateUsers=no for that, or pick (the default)");
        }
        if (value.matches("[0-9]+(:[0-9]+)?")) {
            String[] p = value.split(":");
            if (p[0].length() > 10 || (p.length > 1 && !p[1].equals("65536"))) {
                throw new Invalid("\"" + value + "\": a child's range is 65536 IDs; give its start (a multiple of 65536), optionally followed by :65536");
            }
            long start = Long.parseLong(p[0]);
            if (start < 65536 || start % 65536 != 0 || start > 0x7FFF0000L) {
                throw new Invalid("\"" + value + "\" is not a range start: use a multiple of 65536 from 65536 to 2147418112 (0 would be host root)");
            }
            return new ContainerConfig.PrivateUsers(ContainerConfig.PrivateUsers.Mode.FIXED, start);
        }
        try {
            return bool(value) ? ContainerConfig.PrivateUsers.PICK : ContainerConfig.PrivateUsers.NO;
        } catch (Invalid e) {
            throw new Invalid("\"" + value + "\" is not pick, a boolean, or the first UID of a range (e.g. 1879048192)");
        }
    }

    /** A value with no control characters (it is passed as one quoted argument). */
    public static String text(String value) throws Invalid {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new Invalid("control character U+%04X is not allowed".formatted((int) c));
        }
        return value;
    }

    /** A port forwarding as systemd-nspawn's --port= takes it: [tcp:|udp:]HOST[:CONTAINER]. */
    public static String port(String value) throws Invalid {
        String[] parts = value.split(":", -1);
        int i = 0;
        if (parts.length > 1 && (parts[0].equals("tcp") || parts[0].equals("udp"))) i = 1;
        int numbers = parts.length - i;
        if (numbers < 1 || numbers > 2) throw new Invalid("\"" + value + "\" is not [tcp:|udp:]HOSTPORT[:CONTAINERPORT]");
        for (int j = i; j < parts.length; j++) {
            int n;
            try {
                n = Integer.parseInt(parts[j]);
            } catch (NumberFormatException e) {
                throw new Invalid("\"" + parts[j] + "\"" + (parts.length > 1 ? " in \"" + value + "\"" : "") + " is not a port number");
            }
            if (n < 1 || n > 65535) throw new Invalid("port " + n + " is out of range 1-65535");
        }
        return value;
    }

    /** An environment assignment NAME=VALUE. */
    public static String environment(String value) throws Invalid {
        int eq = value.indexOf('=');
        if (eq <= 0 || !value.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new Invalid("\"" + value + "\" is not NAME=VALUE with a valid variable name");
        }
        return text(value);
    }

    /** A network interface (bridge) or zone name: what fits in an interface name. */
    public static String interfaceName(String value, int max) throws Invalid {
        if (!value.matches("[A-Za-z0-9_.-]{1," + max + "}")) {
            throw new Invalid("\"" + value + "\" is not a valid name (1 to " + max + " of A-Z a-z 0-9 _ . -)");
        }
        return value;
    }

    /**
     * Splits a command line as systemd does for Parameters=: white space separates words, single
     * and double quotes group, backslash escapes the next character (C escapes \n \t \\ \" \').
     */
    public static List<String> words(String value) throws Invalid {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                if (++i >= value.length()) throw new Invalid("trailing backslash in \"" + value + "\"");
                char n = value.charAt(i);
                char unescaped = switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case '\\', '"', '\'', ' ' -> n;
                    default -> throw new Invalid("unknown escape \\" + n + " in \"" + value + "\"");
                };
                if (word == null) word = new StringBuilder();
                word.append(unescaped);
            } else if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                if (word == null) word = new StringBuilder();
            } else if (Character.isWhitespace(c)) {
                if (word != null) words.add(word.toString());
                word = null;
            } else {
                if (word == null) word = new StringBuilder();
                word.append(c);
            }
        }
        if (quote != 0) throw new Invalid("unterminated quote in \"" + value + "\"");
        if (word != null) words.add(word.toString());
        for (String w : words) text(w);
        return words;
    }
}
