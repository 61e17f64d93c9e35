package dev.jspawn.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer's tar into a new directory, as containers/storage does for overlayfs: an OCI
 * whiteout {@code .wh.NAME} becomes a character device 0/0 named NAME, {@code .wh..wh..opq}
 * marks its directory opaque ({@code trusted.overlay.opaque=y}). Owners, modes, times, extended
 * attributes (file capabilities and ACLs among them), hard links, symlinks and fifos are kept.
 *
 * <p>A layer is hostile input, and is refused whole ({@link Refused}), leaving the caller to delete the
 * directory, when an entry: names a path with {@code ..} or an absolute one; lies below a symlink
 * (the layer's own or anything else's: every parent is looked at without following one); is a hard
 * link to something outside the layer or to a directory; is a device other than a whiteout; sets
 * overlayfs' own attributes; or when the layer holds more than {@link Limits} allow. Nothing is ever
 * written outside the directory: every path is resolved below it by lstat, one component at a time.
 */
public final class LayerUnpack {

    /** The caps on one layer: its unpacked bytes (file contents), and its entries. */
    public record Limits(long maxBytes, long maxEntries) {
        /** 32 GiB and a million entries: far beyond any OS image (Debian's is some 250 MB and 10,000 entries). */
        public static final Limits DEFAULT = new Limits(32L << 30, 1_000_000);
    }

    /** Why a layer was refused: the entry and the rule. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    /** Path-based calls: Java's own attribute setters open the file, which blocks on a fifo. */
    interface LibC extends Library {
        int mknod(String path, int mode, long dev) throws LastErrorException;

        int lchown(String path, int uid, int gid) throws LastErrorException;

        int chmod(String path, int mode) throws LastErrorException;

        int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;
    }

    private static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private static final LibC C = Native.load("c", LibC.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

    private final Path root;
    private final Limits limits;
    private long bytes, entries;
    /** Directories whose mode and time are set last: setting them first could forbid writing into them. */
    private final List<Object[]> dirs = new ArrayList<>();

    private LayerUnpack(Path root, Limits limits) {
        this.root = root;
        this.limits = limits;
    }

    /**
     * Unpacks the uncompressed tar {@code tar} into {@code root}, an empty directory the caller made.
     * The stream is read to its end, so that a digest over it covers every byte.
     */
    public static void unpack(InputStream tar, Path root, Limits limits) throws IOException {
        new LayerUnpack(root, limits).run(tar);
    }

    private void run(InputStream raw) throws IOException {
        // Headers and padding are at most 1 KiB an entry: a stream longer than that beyond the files' cap is a bomb.
        InputStream in = new Capped(raw, limits.maxBytes() + limits.maxEntries() * 1024 + (1 << 20));
        PaxXattrs xattrs = new PaxXattrs(in);
        TarArchiveInputStream tar = new TarArchiveInputStream(xattrs, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            if (++entries > limits.maxEntries()) throw new Refused("the layer has more than " + limits.maxEntries() + " entries");
            entry(e, tar, xattrs.next());
        }
        in.transferTo(OutputStream.nullOutputStream()); // the padding after the end: the digest covers it
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Object[] d = dirs.get(i);
            @SuppressWarnings("unchecked")
            Map<String, byte[]> x = (Map<String, byte[]>) d[2];
            finish((Path) d[0], (TarArchiveEntry) d[1], x);
        }
    }

    /** The entry's path below the root, or empty for the root itself; refuses what could leave it. */
    static Optional<Path> relative(String name) throws Refused {
        if (name.indexOf('\0') >= 0) throw new Refused("entry " + printable(name) + ": a name with a NUL byte");
        if (name.startsWith("/")) throw new Refused("entry " + printable(name) + ": an absolute path");
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) throw new Refused("entry " + printable(name) + ": a path with ..");
            parts.add(p);
        }
        if (parts.isEmpty()) return Optional.empty();
        return Optional.of(Path.of(parts.get(0), parts.subList(1, parts.size()).toArray(String[]::new)));
    }

    private static String printable(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return b.toString();
    }

    /**
     * The parent directory of {@code rel} in the layer, made where missing (root-owned, 0755, as container
     * engines make them); refuses a parent that is a symlink or anything but a directory.
     */
    private Path parent(Path rel, String name) throws IOException {
        Path dir = root;
        Path parent = rel.getParent();
        if (parent == null) return dir;
        for (Path part : parent) {
            dir = dir.resolve(part);
            Optional<Node> n = Node.stat(dir);
            if (n.isEmpty()) {
                Files.createDirectory(dir);
            } else if (n.get().type() == Node.Type.SYMLINK) {
                throw new Refused("entry " + printable(name) + ": lies below the symlink " + root.relativize(dir));
            } else if (n.get().type() != Node.Type.DIRECTORY) {
                throw new Refused("entry " + printable(name) + ": lies below " + root.relativize(dir) + ", which is no directory");
            }
        }
        return dir;
    }

    private void entry(TarArchiveEntry e, InputStream tar, Map<String, byte[]> xattrs) throws IOException {
        String name = e.getName();
        Optional<Path> rel = relative(name);
        if (rel.isEmpty()) {
            if (!e.isDirectory()) throw new Refused("entry " + printable(name) + ": the layer's root is not a directory");
            dirs.add(new Object[] { root, e, xattrs });
            return;
        }
        Path dir = parent(rel.get(), name);
        String base = rel.get().getFileName().toString();
        if (base.equals(OPAQUE)) {
            Xattrs.set(dir, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        if (base.startsWith(WHITEOUT + WHITEOUT)) return; // aufs' own metadata (.wh..wh.plnk, .wh..wh.aufs): not content
        if (base.startsWith(WHITEOUT)) {
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) throw new Refused("entry " + printable(name) + ": a whiteout of nothing");
            Path p = dir.resolve(hidden);
            clear(p);
            mknod(p, 0020000, 0);
            setTime(p, e); // root's, 0600, as overlayfs makes them; only the time is the entry's
            return;
        }
        checkXattrs(xattrs, name);
        Path p = dir.resolve(base);
        if (e.isDirectory()) {
            Optional<Node> n = Node.stat(p);
            if (n.isPresent() && n.get().type() != Node.Type.DIRECTORY) clear(p);
            if (n.isEmpty() || n.get().type() != Node.Type.DIRECTORY) Files.createDirectory(p);
            dirs.add(new Object[] { p, e, xattrs });
            return;
        }
        clear(p);
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(p, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            Path target = root.resolve(relative(e.getLinkName())
                    .orElseThrow(() -> new Refused("entry " + printable(name) + ": a hard link to the layer's root")));
            parent(root.relativize(target), name);
            Optional<Node> t = Node.stat(target);
            if (t.isEmpty()) throw new Refused("entry " + printable(name) + ": a hard link to " + printable(e.getLinkName()) + ", which the layer does not hold");
            if (t.get().type() == Node.Type.DIRECTORY) throw new Refused("entry " + printable(name) + ": a hard link to a directory");
            Files.createLink(p, target);
            return; // the link shares its target's inode, metadata and all
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            if (!e.isCharacterDevice() || e.getDevMajor() != 0 || e.getDevMinor() != 0) {
                throw new Refused("entry " + printable(name) + ": a device node (" + e.getDevMajor() + "," + e.getDevMinor() + "); a layer may hold none (nspawn gives each guest a /dev of its own)");
            }
            mknod(p, 0020000, 0); // a whiteout in overlayfs' own form
        } else if (e.isFIFO()) {
            mknod(p, 0010000, 0);
        } else if (e.isFile()) {
            bytes += e.getSize();
            if (bytes > limits.maxBytes()) throw new Refused("the layer holds more than " + Sizes.human(limits.maxBytes()) + " of files");
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long copied = tar.transferTo(out);
                if (copied != e.getSize()) throw new Refused("entry " + printable(name) + ": the tar ends inside it");
            }
        } else {
            throw new Refused("entry " + printable(name) + ": an entry of tar type '" + (char) e.getLinkFlag() + "', which a layer may not hold");
        }
        finish(p, e, xattrs);
    }

    /** A layer may carry file capabilities, ACLs and user attributes; never overlayfs' own, which would change what the merge shows. */
    private static void checkXattrs(Map<String, byte[]> xattrs, String name) throws Refused {
        for (String attr : xattrs.keySet()) {
            if (attr.startsWith("trusted.overlay.") || attr.startsWith("user.overlay.")) {
                throw new Refused("entry " + printable(name) + ": sets overlayfs' own attribute " + attr);
            }
        }
    }

    /**
     * Owner, mode, attributes and time, never following a symlink (the entry itself was just made, and every
     * directory above it checked); owner first, as chown clears setuid bits.
     */
    private void finish(Path p, TarArchiveEntry e, Map<String, byte[]> xattrs) throws IOException {
        String path = p.toString();
        try {
            C.lchown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
            if (!e.isSymbolicLink()) C.chmod(path, e.getMode() & 07777);
        } catch (LastErrorException x) {
            throw new IOException("Failed to set the owner or mode of " + p + ": " + x.getMessage(), x);
        }
        if (!e.isSymbolicLink()) {
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
                String attr = x.getKey();
                if (attr.startsWith("user.") || attr.equals("security.capability") || attr.startsWith("system.posix_acl_")) Xattrs.set(p, attr, x.getValue());
            }
        }
        setTime(p, e);
    }

    /** The entry's modification time on {@code p}, never following a symlink; its access time left alone. */
    private static void setTime(Path p, TarArchiveEntry e) throws IOException {
        java.time.Instant t = e.getLastModifiedTime().toInstant();
        long[] times = { 0, UTIME_OMIT, t.getEpochSecond(), t.getNano() };
        try {
            C.utimensat(AT_FDCWD, p.toString(), times, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException x) {
            throw new IOException("Failed to set the time of " + p + ": " + x.getMessage(), x);
        }
    }

    /** A stream that refuses to be read past {@code max} bytes. */
    private static final class Capped extends java.io.FilterInputStream {
        private long left;
        private final long max;

        Capped(InputStream in, long max) {
            super(in);
            this.left = max;
            this.max = max;
        }

        private int count(int n) throws Refused {
            if (n > 0 && (left -= n) < 0) throw new Refused("the layer's tar is longer than " + Sizes.human(max));
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return count(super.read(b, off, len));
        }
    }

    /** Removes what an earlier entry of the layer put at {@code p} (a later entry of a tar replaces an earlier one). */
    private static void clear(Path p) throws IOException {
        Optional<Node> n = Node.stat(p);
        if (n.isEmpty()) return;
        if (n.get().type() == Node.Type.DIRECTORY) Trees.deleteTree(p);
        else Files.delete(p);
    }

    private static void mknod(Path p, int type, long dev) throws IOException {
        try {
            C.mknod(p.toString(), type | 0600, dev);
        } catch (LastErrorException x) {
            throw new IOException("Failed to create " + p + ": " + x.getMessage(), x);
        }
    }
}
