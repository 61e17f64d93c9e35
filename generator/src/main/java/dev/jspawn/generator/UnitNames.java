package dev.jspawn.generator;

import java.nio.charset.StandardCharsets;

import dev.jspawn.syntax.Ascii;

/**
 * The one function that turns a path into a unit name, as {@code systemd-escape --path} does
 * (systemd's unit_name_from_path): '/' becomes '-', and every byte of the UTF-8 form that is not
 * an ASCII letter, digit, ':', '_' or '.' (and a leading '.') becomes {@code \xNN}.
 */
public final class UnitNames {

    private static final int MAX_UNIT_NAME = 255;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private UnitNames() {
    }

    /** The unit name for {@code path} with {@code suffix} (e.g. ".mount"); the path must be absolute and normalized. */
    public static String fromPath(String path, String suffix) {
        if (!path.startsWith("/")) throw new IllegalArgumentException("not an absolute path: " + path);
        StringBuilder collapsed = new StringBuilder(path.length()); // "//" as "/" (a loop: replaceAll compiles a regex at each call)
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || collapsed.length() == 0 || collapsed.charAt(collapsed.length() - 1) != '/') collapsed.append(c);
        }
        String simplified = collapsed.toString();
        if (simplified.length() > 1 && simplified.endsWith("/")) simplified = simplified.substring(0, simplified.length() - 1);
        for (String part : simplified.split("/")) {
            if (part.equals("..") || part.equals(".")) throw new IllegalArgumentException("path is not normalized: " + path);
        }
        String name = simplified.equals("/") ? "-" : escape(simplified.substring(1)).replace('/', '-');
        if (name.length() + suffix.length() > MAX_UNIT_NAME) {
            throw new IllegalArgumentException("path too long for a unit name: " + path);
        }
        return name + suffix;
    }

    /** systemd's do_escape, with '/' kept for the caller to turn into '-'. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = Ascii.letterOrDigit(b) || b == ':' || b == '_' || b == '/' || (b == '.' && i > 0);
            if (plain) out.append((char) b);
            else out.append('\\').append('x').append(HEX[b >> 4]).append(HEX[b & 0xf]);
        }
        return out.toString();
    }
}
