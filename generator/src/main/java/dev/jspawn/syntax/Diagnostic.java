package dev.jspawn.syntax;

import java.nio.file.Path;

/**
 * One problem found in an input file, with where it was found: file, line (0 when the problem
 * belongs to the whole file), section and key (null when they do not apply).
 */
public record Diagnostic(Path file, int line, String section, String key, String message) {

    /** Longer messages keep their start and their end (the reason), so no value of any size is echoed whole. */
    static final int MAX_MESSAGE = 240;
    /** Errors shown per file; the rest are counted. */
    public static final int MAX_PER_FILE = 3;

    public Diagnostic {
        if (message.length() > MAX_MESSAGE) {
            int keep = MAX_MESSAGE / 2 - 10;
            message = message.substring(0, keep) + " [... " + (message.length() - 2 * keep) + " characters ...] "
                    + message.substring(message.length() - keep);
        }
    }

    /**
     * At most {@link #MAX_PER_FILE} of {@code all} for each file, in order, each followed where it
     * applies by a line saying how many more that file has.
     */
    public static java.util.List<String> capped(java.util.List<Diagnostic> all) {
        java.util.Map<Path, java.util.List<Diagnostic>> byFile = new java.util.LinkedHashMap<>();
        for (Diagnostic d : all) byFile.computeIfAbsent(d.file(), f -> new java.util.ArrayList<>()).add(d);
        java.util.List<String> out = new java.util.ArrayList<>();
        byFile.forEach((file, list) -> {
            list.stream().limit(MAX_PER_FILE).forEach(d -> out.add(d.toString()));
            if (list.size() > MAX_PER_FILE) out.add(file + ": ... and " + (list.size() - MAX_PER_FILE) + " more errors in this file");
        });
        return out;
    }

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
