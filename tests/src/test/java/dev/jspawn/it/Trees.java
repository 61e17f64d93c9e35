package dev.jspawn.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import dev.jspawn.images.Node;
import dev.jspawn.images.Xattrs;

/** Making trees with every kind of entry and owner (needs root), and describing a tree to compare it. */
final class Trees {

    interface LibC extends Library {
        LibC C = Native.load("c", LibC.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

        int mknod(String path, int mode, long dev) throws LastErrorException;
    }

    static final int S_IFCHR = 0020000, S_IFIFO = 0010000;

    private Trees() {
    }

    static void owner(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    static void mode(Path p, int mode) throws IOException {
        Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    /** An overlayfs whiteout: a character device 0/0. */
    static void whiteout(Path p) {
        LibC.C.mknod(p.toString(), S_IFCHR | 0, 0);
    }

    static void charDevice(Path p, int major, int minor, int mode) {
        LibC.C.mknod(p.toString(), S_IFCHR | mode, ((long) major << 8) | minor);
    }

    static void fifo(Path p, int mode) {
        LibC.C.mknod(p.toString(), S_IFIFO | mode, 0);
    }

    static void opaque(Path dir) throws IOException {
        Xattrs.set(dir, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One line per entry, sorted by path: type, owner, mode, device, size, and the content's
     * SHA-256 or the link target, and the xattrs other than overlayfs' own. No times.
     */
    static List<String> manifest(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.sorted().toList();
        }
        for (Path p : all) {
            Node n = Node.stat(p).orElseThrow();
            StringBuilder sb = new StringBuilder(root.relativize(p).toString()).append('|').append(n.type()).append('|')
                    .append(n.uid()).append(':').append(n.gid()).append('|').append(n.type() == Node.Type.SYMLINK ? "-" : Integer.toOctalString(n.mode()));
            switch (n.type()) {
                case FILE -> sb.append('|').append(sha256(p));
                case SYMLINK -> sb.append("|->").append(Files.readSymbolicLink(p));
                case CHAR, BLOCK -> sb.append("|dev=").append(n.rdev());
                default -> { }
            }
            n.ownXattrs().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sb.append('|').append(e.getKey()).append('=').append(HexFormat.of().formatHex(e.getValue())));
            out.add(sb.toString());
        }
        return out;
    }

    static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Prints the manifest of each directory given, each after a line "== DIR": run inside a mount namespace. */
    public static void main(String[] args) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String dir : args) {
            sb.append("== ").append(dir).append('\n');
            for (String line : manifest(Path.of(dir))) sb.append(line).append('\n');
        }
        System.out.print(sb);
    }
}
