package dev.jspawn.syntax;

/**
 * The one writer of unit files. It escapes '%' (systemd's specifier character) once, here, for
 * every value, and refuses any value that could break out of its line.
 */
public final class UnitWriter {

    private UnitWriter() {
    }

    public static String write(UnitFile unit, String header) {
        StringBuilder out = new StringBuilder();
        if (header != null) out.append("# ").append(header).append('\n');
        for (UnitFile.Section section : unit.sections()) {
            if (out.length() > 0) out.append('\n');
            out.append('[').append(section.name()).append("]\n");
            for (UnitFile.Entry e : section.entries()) {
                out.append(e.key()).append('=').append(escapeValue(e.key(), e.value())).append('\n');
            }
        }
        return out.toString();
    }

    static String escapeValue(String key, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("refusing to write a control character in " + key + "=");
            }
        }
        if (!value.equals(value.strip())) {
            throw new IllegalArgumentException("refusing to write leading or trailing white space in " + key + "=");
        }
        if (value.endsWith("\\")) {
            throw new IllegalArgumentException("refusing to write a trailing backslash (a line continuation) in " + key + "=");
        }
        return value.replace("%", "%%");
    }
}
