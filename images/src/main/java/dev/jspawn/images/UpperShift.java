package dev.jspawn.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Gives a child made without a user namespace (its upper dir owned by host root) the range
 * [start, start + 65536): every owner u &lt; 65536 in its upper dir becomes start + u, as if the
 * guest had written it from inside its namespace. Only the upper dir is touched, never the base.
 *
 * <p>chown(2) clears setuid and setgid bits and drops file capabilities, so those are written to a
 * journal first and put back after the chown, capabilities in the namespaced form (v3, root ID =
 * start) that the kernel honours in the child's namespace; POSIX ACL entries are shifted too.
 * Entries already in the range are left as they are and the upper dir's root, the record of the
 * range, changes last: a run killed at any point is finished by running it again with the same
 * journal. Symlinks are never followed, whiteouts (0/0 devices) keep their owner.
 */
public final class UpperShift {

    private static final String CAPS = "security.capability";
    private static final List<String> ACLS = List.of("system.posix_acl_access", "system.posix_acl_default");

    private final Path upper;
    private final long start;
    private final Path journal;
    private int shifted, skipped;

    /** @param journal a file beside (not inside) the upper dir; it holds the range and what chown would lose */
    public UpperShift(Path upper, long start, Path journal) {
        this.upper = upper;
        this.start = start;
        this.journal = journal;
    }

    public record Summary(long start, int shifted, int skipped) {
    }

    /** The range a journal left by an interrupted run records, if any. */
    public static Optional<Long> pending(Path journal) throws IOException {
        if (!Files.exists(journal, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        String first = Files.readAllLines(journal, StandardCharsets.US_ASCII).get(0);
        return Optional.of(Long.parseLong(first.substring("range ".length())));
    }

    public Summary run() throws IOException {
        Node root = Node.stat(upper).orElseThrow(() -> new IOException(upper + " does not exist"));
        if (root.type() != Node.Type.DIRECTORY) throw new IOException(upper + " is not a directory");
        if (root.rangeStart() == start) return new Summary(start, 0, 0); // done before
        if (root.uid() != 0 || root.gid() != 0) throw new IOException(upper + " is owned by " + root.uid() + ":" + root.gid() + ", not root");
        if (Files.exists(journal, LinkOption.NOFOLLOW_LINKS)) {
            long recorded = pending(journal).orElseThrow();
            if (recorded != start) throw new IOException(journal + " records range " + recorded + ", not " + start);
        } else {
            writeJournal();
        }
        walk(upper);
        restoreFromJournal();
        shift(root, false); // the record, last
        Files.delete(journal);
        return new Summary(start, shifted, skipped);
    }

    /** "range N", then one line per entry whose setuid/setgid bits or capabilities chown would lose: MODE CAPS-HEX PATH-BASE64. */
    private void writeJournal() throws IOException {
        List<String> lines = new ArrayList<>(List.of("range " + start));
        collect(upper, lines);
        Path tmp = journal.resolveSibling(journal.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.US_ASCII);
        Files.move(tmp, journal, StandardCopyOption.ATOMIC_MOVE);
    }

    private void collect(Path dir, List<String> lines) throws IOException {
        for (Path p : list(dir)) {
            Optional<Node> n = Node.stat(p);
            if (n.isEmpty()) continue;
            byte[] caps = n.get().xattrs().get(CAPS);
            boolean special = n.get().type() == Node.Type.FILE && ((n.get().mode() & 06000) != 0 || caps != null);
            if (special && Integer.toUnsignedLong(n.get().uid()) < UidRanges.SIZE) {
                lines.add(Integer.toOctalString(n.get().mode()) + " " + (caps == null ? "-" : HexFormat.of().formatHex(caps)) + " "
                        + Base64.getEncoder().encodeToString(upper.relativize(p).toString().getBytes(StandardCharsets.UTF_8)));
            }
            if (n.get().type() == Node.Type.DIRECTORY) collect(p, lines);
        }
    }

    private void walk(Path dir) throws IOException {
        for (Path p : list(dir)) {
            Optional<Node> n = Node.stat(p);
            if (n.isEmpty()) continue;
            shift(n.get(), true);
            if (n.get().type() == Node.Type.DIRECTORY) walk(p);
        }
    }

    private void shift(Node n, boolean count) throws IOException {
        if (n.isWhiteout()) return;
        long uid = Integer.toUnsignedLong(n.uid()), gid = Integer.toUnsignedLong(n.gid());
        long newUid = uid < UidRanges.SIZE ? start + uid : uid, newGid = gid < UidRanges.SIZE ? start + gid : gid;
        if (newUid == uid && newGid == gid) {
            if (count) skipped++;
            return;
        }
        for (String acl : ACLS) {
            byte[] v = n.xattrs().get(acl);
            if (v != null) Xattrs.set(n.path(), acl, shiftAcl(v));
        }
        Files.setAttribute(n.path(), "unix:uid", (int) newUid, LinkOption.NOFOLLOW_LINKS); // lchown
        Files.setAttribute(n.path(), "unix:gid", (int) newGid, LinkOption.NOFOLLOW_LINKS);
        if (count) shifted++;
    }

    private void restoreFromJournal() throws IOException {
        List<String> lines = Files.readAllLines(journal, StandardCharsets.US_ASCII);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ");
            Path p = Beneath.resolve(upper, Path.of(new String(Base64.getDecoder().decode(f[2]), StandardCharsets.UTF_8)));
            Optional<Node> n = Node.stat(p);
            if (n.isEmpty() || n.get().type() != Node.Type.FILE) continue;
            if (!f[1].equals("-")) Xattrs.set(p, CAPS, namespacedCaps(HexFormat.of().parseHex(f[1]), start));
            Files.setAttribute(p, "unix:mode", Integer.parseInt(f[0], 8), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** A vfs_cap_data of revision 2 or 3 as revision 3 with the namespace's root ID (the kernel's own form on copy-up). */
    static byte[] namespacedCaps(byte[] caps, long rootId) {
        ByteBuffer in = ByteBuffer.wrap(caps).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt();
        ByteBuffer out = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0x03000000 | (magic & 0x1)); // VFS_CAP_REVISION_3, keeping VFS_CAP_FLAGS_EFFECTIVE
        for (int i = 0; i < 4; i++) out.putInt(in.remaining() >= 4 ? in.getInt() : 0);
        out.putInt((int) rootId);
        return out.array();
    }

    /** A POSIX ACL xattr (version 2, entries of tag u16, perm u16, id u32) with its named user and group entries shifted. */
    byte[] shiftAcl(byte[] acl) {
        ByteBuffer b = ByteBuffer.wrap(acl.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 4; off + 8 <= acl.length; off += 8) {
            int tag = b.getShort(off) & 0xffff;
            long id = Integer.toUnsignedLong(b.getInt(off + 4));
            if ((tag == 0x02 || tag == 0x08) && id < UidRanges.SIZE) b.putInt(off + 4, (int) (start + id)); // ACL_USER, ACL_GROUP
        }
        return b.array();
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) out.add(p);
        }
        out.sort(null);
        return out;
    }
}
