package dev.jspawn.syntax;

import java.nio.file.Path;

/**
 * One problem found in an input file, with where it was found: file, line (0 when the problem
 * belongs to the whole file), section and key (null when they do not apply).
 */
public record Diagnostic(Path file, int line, String section, String key, String message) {

    public static Diagnostic ofFile(Path file, String message) {
        return new Diagnostic(file, 0, null, null, message);
    }

    public static Diagnostic at(Path file, int line, String message) {
        return new Diagnostic(file, line, null, null, message);
    }

    /** "FILE:LINE: [Section] Key=: message", the parts that do not apply left out. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(file);
        if (line > 0) sb.append(':').append(line);
        sb.append(": ");
        if (section != null) sb.append('[').append(section).append("] ");
        if (key != null) sb.append(key).append("=: ");
        return sb.append(message).toString();
    }
}
