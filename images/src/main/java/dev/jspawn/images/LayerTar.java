package dev.jspawn.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * One layer directory as an OCI layer's tar, the reverse of {@link LayerUnpack}: an overlayfs whiteout
 * (a character device 0/0) becomes {@code .wh.NAME}, an opaque directory gets {@code .wh..wh..opq}; owners,
 * modes, times, hard links, symlinks, fifos and extended attributes (file capabilities, ACLs, user.*) are
 * kept. The same directory gives the same bytes every time: entries in name order, no access times, and
 * each entry's PAX header written here, byte for byte (Commons Compress would write an attribute's value as
 * UTF-8 text, which a binary one, such as every ACL, is not). Device nodes, which a layer may not hold, are
 * left out and counted.
 */
public final class LayerTar {

    private static final int BLOCK = 512;
    private static final List<String> XATTRS = List.of("security.capability");

    private final OutputStream raw;
    private final TarArchiveOutputStream tar;
    private final Map<String, String> links = new HashMap<>();
    private int devices;

    private LayerTar(OutputStream out) {
        this.raw = out;
        this.tar = new TarArchiveOutputStream(out, BLOCK, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE); // the whole name is in the PAX header written here
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
        tar.setAddPaxHeadersForNonAsciiNames(false);
    }

    /** Writes {@code layer} as a tar to {@code out}; returns how many device nodes it left out. */
    public static int write(Path layer, OutputStream out) throws IOException {
        LayerTar t = new LayerTar(out);
        t.dir(layer, "");
        t.tar.finish();
        return t.devices;
    }

    private void dir(Path dir, String rel) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort((a, b) -> compareBytes(a.getFileName().toString(), b.getFileName().toString()));
        if (!rel.isEmpty() && Node.stat(dir).orElseThrow().overlayMark("opaque").isPresent()) {
            TarArchiveEntry e = new TarArchiveEntry(rel + "/.wh..wh..opq", true);
            e.setSize(0);
            e.setMode(0100644);
            e.setModTime(0);
            put(e, Map.of(), null);
        }
        for (Path p : children) {
            String name = (rel.isEmpty() ? "" : rel + "/") + p.getFileName();
            Node n = Node.stat(p).orElseThrow();
            Map<String, byte[]> xattrs = new java.util.TreeMap<>();
            for (Map.Entry<String, byte[]> x : n.xattrs().entrySet()) {
                String k = x.getKey();
                if (k.startsWith("user.") && !k.startsWith("user.overlay.") || XATTRS.contains(k) || k.startsWith("system.posix_acl_")) xattrs.put(k, x.getValue());
            }
            long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
            if (n.isWhiteout()) {
                TarArchiveEntry e = new TarArchiveEntry((rel.isEmpty() ? "" : rel + "/") + ".wh." + p.getFileName(), true);
                e.setSize(0);
                e.setMode(0100644);
                e.setModTime(mtime);
                put(e, Map.of(), null);
                continue;
            }
            TarArchiveEntry e;
            switch (n.type()) {
                case DIRECTORY -> e = new TarArchiveEntry(name + "/", true);
                case SYMLINK -> {
                    e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
                    e.setLinkName(Files.readSymbolicLink(p).toString());
                }
                case FIFO -> e = new TarArchiveEntry(name, TarArchiveEntry.LF_FIFO, true);
                case FILE -> {
                    Object key = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                    String first = n.nlink() > 1 ? links.putIfAbsent(key.toString(), name) : null;
                    if (first != null) {
                        e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK, true);
                        e.setLinkName(first);
                    } else {
                        e = new TarArchiveEntry(name, true);
                        e.setSize(n.size());
                    }
                }
                default -> {
                    devices++; // a device node: a layer may hold none (nspawn gives each guest a /dev of its own)
                    continue;
                }
            }
            e.setIds(n.uid(), n.gid());
            e.setMode(switch (n.type()) {
                case DIRECTORY -> 040000;
                case SYMLINK -> 0120000;
                case FIFO -> 010000;
                default -> 0100000;
            } | n.mode());
            e.setModTime(mtime);
            boolean body = n.type() == Node.Type.FILE && e.getLinkFlag() != TarArchiveEntry.LF_LINK; // a hard link has no body of its own
            put(e, e.getLinkFlag() == TarArchiveEntry.LF_LINK || n.type() == Node.Type.SYMLINK ? Map.of() : xattrs, body ? p : null);
            if (n.type() == Node.Type.DIRECTORY) dir(p, name);
        }
    }

    /** The entry, after a PAX header of its own (its whole name and link name, and its attributes) where it needs one. */
    private void put(TarArchiveEntry e, Map<String, byte[]> xattrs, Path content) throws IOException {
        String name = e.getName();
        boolean longName = name.getBytes(StandardCharsets.UTF_8).length > 99 || !isAscii(name);
        boolean longLink = !e.getLinkName().isEmpty() && (e.getLinkName().getBytes(StandardCharsets.UTF_8).length > 99 || !isAscii(e.getLinkName()));
        if (longName || longLink || !xattrs.isEmpty()) {
            java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream();
            if (longName) record(records, "path", name.getBytes(StandardCharsets.UTF_8));
            if (longLink) record(records, "linkpath", e.getLinkName().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) record(records, "SCHILY.xattr." + x.getKey(), x.getValue());
            paxHeader(records.toByteArray());
        }
        tar.putArchiveEntry(e);
        if (content != null) {
            try (InputStream in = Files.newInputStream(content, LinkOption.NOFOLLOW_LINKS)) {
                long copied = in.transferTo(tar);
                if (copied != e.getSize()) throw new IOException(content + " changed while it was written into the layer's tar");
            }
        }
        tar.closeArchiveEntry();
    }

    /** "LENGTH KEY=VALUE\n", LENGTH counting itself. */
    private static void record(java.io.ByteArrayOutputStream out, String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int body = 1 + k.length + 1 + value.length + 1;
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) len++;
        out.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(k);
        out.write('=');
        out.writeBytes(value);
        out.write('\n');
    }

    /** A ustar header of type 'x' and its records, written straight into the archive (it is at a block boundary). */
    private void paxHeader(byte[] records) throws IOException {
        tar.flush();
        byte[] h = new byte[BLOCK];
        byte[] name = "././@PaxHeader".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, h, 0, name.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, records.length);
        octal(h, 136, 12, 0);
        h[156] = 'x';
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        h[155] = ' ';
        raw.write(h);
        raw.write(records);
        int pad = (BLOCK - records.length % BLOCK) % BLOCK;
        raw.write(new byte[pad]);
    }

    private static void octal(byte[] h, int at, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) throw new IllegalArgumentException("too large for a tar header field: " + v);
        s = "0".repeat(len - 1 - s.length()) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, at, len - 1);
        h[at + len - 1] = 0;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
