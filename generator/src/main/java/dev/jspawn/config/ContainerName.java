package dev.jspawn.config;

import java.util.Optional;

import dev.jspawn.syntax.Ascii;

/**
 * Container names (the NAME of NAME.jspawn, the instance of jspawn@NAME.service) and the machine
 * names machined accepts, which must be valid host names: {@code child_apache} is a fine unit
 * instance but not a machine name, so by default its machine is {@code child-apache}.
 */
public final class ContainerName {

    /** A host name in all, as Linux's HOST_NAME_MAX. */
    public static final int MAX_HOST_NAME = 64;
    /** One label of a host name (the part between dots), as DNS has it. */
    public static final int MAX_LABEL = 63;

    private ContainerName() {
    }

    /** Why {@code name} cannot name a container, or empty if it can. */
    public static Optional<String> problem(String name) {
        if (!wellFormed(name) || name.contains("..") || name.length() > 64) {
            return Optional.of("container name \"" + name + "\" is not allowed: use 1 to 64 of A-Z a-z 0-9 _ . - (not starting with '.' or '-', no \"..\"),"
                    + " or a template's instance PREFIX@INSTANCE");
        }
        return Optional.empty();
    }

    /**
     * A plain name, or a template's instance PREFIX@INSTANCE (the template file itself is PREFIX@.jspawn): each part
     * {@code [A-Za-z0-9_][A-Za-z0-9_.-]*}. Checked character by character: compiling that as a regular expression
     * was 3% of a generator run with one file.
     */
    private static boolean wellFormed(String name) {
        int at = name.indexOf('@');
        return at < 0 ? wellFormedPart(name) : wellFormedPart(name.substring(0, at)) && wellFormedPart(name.substring(at + 1));
    }

    private static boolean wellFormedPart(String part) {
        if (part.isEmpty()) return false;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = Ascii.letterOrDigit(c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
            if (!ok) return false;
        }
        return true;
    }

    /** The documented mapping from a container name to its default machine name: '_' and a template's '@' become '-'. */
    public static String defaultMachineName(String name) {
        return name.replace('_', '-').replace('@', '-');
    }

    /** Why {@code name} is not a machine name machined accepts (a valid host name), or empty. */
    public static Optional<String> machineNameProblem(String name) {
        return hostNameProblem("machine name", name);
    }

    /**
     * Why {@code name} is not a valid host name, saying which rule it breaks, or empty. The rules of
     * systemd's hostname_is_valid(): at most {@value #MAX_HOST_NAME} characters in all, dot-separated,
     * non-empty labels of ASCII letters, digits and '-', no label starting or ending with '-'; and DNS's
     * limit of {@value #MAX_LABEL} characters to a label.
     *
     * @param what how the message calls it: "machine name", "host name"
     */
    public static Optional<String> hostNameProblem(String what, String name) {
        if (name.isEmpty()) return Optional.of(what + " is empty: a host name is 1 to " + MAX_HOST_NAME + " characters");
        // Too long first: the other messages then quote the name whole, since it is short.
        if (name.length() > MAX_HOST_NAME) {
            return Optional.of(what + " " + abbreviated(name) + " is not a valid host name: a " + what + " is at most "
                    + MAX_HOST_NAME + " characters in all");
        }
        String invalid = what + " \"" + name + "\" is not a valid host name: ";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ldh = Ascii.letterOrDigit(c) || c == '-';
            if (!ldh && c != '.') {
                String shown = c < 0x20 || c == 0x7f || Character.isWhitespace(c) || Character.isSpaceChar(c)
                        ? "U+%04X".formatted((int) c) : "'" + new String(Character.toChars(name.codePointAt(i))) + "'";
                return Optional.of(invalid + "invalid character " + shown + " (a label is letters, digits and '-'; dots separate labels)");
            }
        }
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty()) {
                return Optional.of(invalid + "empty label (a host name neither starts nor ends with '.', nor has \"..\")");
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return Optional.of(invalid + "a label may not start or end with '-'" + (label.equals(name) ? "" : " (\"" + label + "\")"));
            }
            if (label.length() > MAX_LABEL) { // then the label is the whole name: at most 64 characters, of one label
                return Optional.of(what + " " + abbreviated(name) + " is not a valid host name: a " + what
                        + "'s label (the part between dots) is at most " + MAX_LABEL + " characters");
            }
        }
        return Optional.empty();
    }

    /** A long name quoted by its start and its length: "aaaaaaaaaaaaaaaaaaaa…" (64 characters). */
    private static String abbreviated(String name) {
        return "\"" + name.substring(0, name.offsetByCodePoints(0, 20)) + "\u2026\" (" + name.length() + " characters)";
    }
}
