package dev.jspawn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.jspawn.runtime.UserError;

/** What /proc/self/mountinfo says about a child's directories. */
final class MountInfo {

    private MountInfo() {
    }

    /**
     * The mount point of a mount at {@code where} or one using any of {@code dirs} as a layer, if there
     * is one. The automount's own autofs mount at {@code where} does not count: it mounts nothing yet.
     */
    static Optional<String> using(Path proc, String where, List<String> dirs) {
        for (String line : read(proc)) {
            String[] f = line.split(" ");
            if (f.length < 5) continue;
            String mountPoint = unescape(f[4]);
            int dash = line.indexOf(" - ");
            String options = dash < 0 ? "" : unescape(line.substring(dash + 3));
            if (mountPoint.equals(where) && !options.startsWith("autofs ")) return Optional.of(mountPoint);
            for (String d : dirs) {
                if (options.contains("=" + d + ",") || options.contains("=" + d + ":") || options.contains(":" + d + ",")
                        || options.contains(":" + d + ":") || options.endsWith("=" + d) || options.endsWith(":" + d)) {
                    return Optional.of(mountPoint);
                }
            }
        }
        return Optional.empty();
    }

    /** Every mount point at which something other than an automount's autofs is mounted: {@link #using}'s first test, for many at once. */
    static java.util.Set<String> mounted(Path proc) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String line : read(proc)) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0 || line.startsWith("autofs ", dash + 3)) continue;
            out.add(unescape(f[4]));
        }
        return out;
    }

    /** The file system type of what is mounted at {@code where}, if anything is: an automount's autofs too. */
    static Optional<String> at(Path proc, String where) {
        for (String line : read(proc)) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0 || !unescape(f[4]).equals(where)) continue;
            return Optional.of(line.substring(dash + 3).split(" ")[0]);
        }
        return Optional.empty();
    }

    /** A mounted overlay: its mount point, its lower layers (topmost first, as in lowerdir=) and its upper dir (null if it has none). */
    record Overlay(String mountPoint, List<String> lowers, String upper) {
    }

    /** Every overlay mount that /proc/self/mountinfo lists. */
    static List<Overlay> overlays(Path proc) {
        List<Overlay> out = new java.util.ArrayList<>();
        for (String line : read(proc)) {
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) continue;
            String[] fs = line.substring(dash + 3).split(" ");
            if (fs.length < 3 || !fs[0].equals("overlay")) continue;
            List<String> lowers = new java.util.ArrayList<>();
            String upper = null;
            for (String option : fs[2].split(",")) {
                if (option.startsWith("lowerdir=")) {
                    for (String l : option.substring(9).split(":")) {
                        if (!l.isEmpty()) lowers.add(unescape(l));
                    }
                } else if (option.startsWith("upperdir=")) {
                    upper = unescape(option.substring(9));
                }
            }
            out.add(new Overlay(unescape(f[4]), lowers, upper));
        }
        return out;
    }

    /** Every mount point that /proc/self/mountinfo lists. */
    static List<String> points(Path proc) {
        List<String> out = new java.util.ArrayList<>();
        for (String line : read(proc)) {
            String[] f = line.split(" ");
            if (f.length >= 5) out.add(unescape(f[4]));
        }
        return out;
    }

    private static List<String> read(Path proc) {
        try {
            return Files.readAllLines(proc.resolve("self/mountinfo"));
        } catch (IOException e) {
            throw new UserError("Failed to read " + proc.resolve("self/mountinfo") + ": " + e.getMessage());
        }
    }

    /** mountinfo writes space, tab, newline and backslash as \\ooo. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.substring(i + 1, Math.min(i + 4, s.length())).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
