package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One directory entry as lstat(2) sees it (never following a symlink), with its extended attributes. */
public record Node(Path path, Type type, int uid, int gid, int mode, long rdev, long size, int nlink, Map<String, byte[]> xattrs) {

    public enum Type { FILE, DIRECTORY, SYMLINK, CHAR, BLOCK, FIFO, SOCKET }

    private static final int S_IFMT = 0170000;

    public static Optional<Node> stat(Path path) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, "unix:mode,uid,gid,rdev,size,nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        int mode = (Integer) a.get("mode");
        Type type = switch (mode & S_IFMT) {
            case 0100000 -> Type.FILE;
            case 0040000 -> Type.DIRECTORY;
            case 0120000 -> Type.SYMLINK;
            case 0020000 -> Type.CHAR;
            case 0060000 -> Type.BLOCK;
            case 0010000 -> Type.FIFO;
            case 0140000 -> Type.SOCKET;
            default -> throw new IOException("unknown file type " + Integer.toOctalString(mode & S_IFMT) + " of " + path);
        };
        return Optional.of(new Node(path, type, (Integer) a.get("uid"), (Integer) a.get("gid"), mode & 07777,
                (Long) a.get("rdev"), (Long) a.get("size"), (Integer) a.get("nlink"), Xattrs.all(path)));
    }

    private static boolean sameOwner(int upper, int base, long shift) {
        if (shift == 0) return upper == base;
        long b = Integer.toUnsignedLong(base);
        return b < UidRanges.SIZE && Integer.toUnsignedLong(upper) == shift + b;
    }

    /**
     * The host UID at which the user namespace of a child with this upper dir root starts: its owner,
     * when that is the start of a range (uid = gid, a multiple of 65536); 0 for a child without one.
     */
    public long rangeStart() {
        long u = Integer.toUnsignedLong(uid);
        return type == Type.DIRECTORY && uid == gid && u > 0 && u % UidRanges.SIZE == 0 ? u : 0;
    }

    /** An overlayfs whiteout: a character device 0/0. */
    public boolean isWhiteout() {
        return type == Type.CHAR && rdev == 0;
    }

    /** An overlayfs mark (trusted.overlay.* or, with userxattr, user.overlay.*), e.g. "opaque". */
    public Optional<String> overlayMark(String name) {
        byte[] v = xattrs.get("trusted.overlay." + name);
        if (v == null) v = xattrs.get("user.overlay." + name);
        return v == null ? Optional.empty() : Optional.of(new String(v, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Extended attributes that belong to the file, not overlayfs' bookkeeping. */
    public Map<String, byte[]> ownXattrs() {
        Map<String, byte[]> own = new HashMap<>();
        xattrs.forEach((k, v) -> {
            if (!k.startsWith("trusted.overlay.") && !k.startsWith("user.overlay.")) own.put(k, v);
        });
        return own;
    }

    /** Same type, owner, mode (but for symlinks) and own xattrs; device numbers for devices. Not contents. */
    public boolean sameMetadata(Node o) {
        return sameMetadata(o, 0);
    }

    /**
     * As {@link #sameMetadata(Node)}, for this node in the upper dir of a child whose user namespace
     * starts at host UID {@code shift} and {@code base} in its lower layer: the guest sees the base's
     * owner {@code u} as its own {@code u}, and writes it as host {@code shift + u}.
     */
    public boolean sameMetadata(Node base, long shift) {
        if (type != base.type || !sameOwner(uid, base.uid, shift) || !sameOwner(gid, base.gid, shift)) return false;
        Node o = base;
        if (type != Type.SYMLINK && mode != o.mode) return false;
        if ((type == Type.CHAR || type == Type.BLOCK) && rdev != o.rdev) return false;
        Map<String, byte[]> a = ownXattrs(), b = o.ownXattrs();
        if (!a.keySet().equals(b.keySet())) return false;
        for (String k : a.keySet()) {
            if (!Arrays.equals(a.get(k), b.get(k))) return false;
        }
        return true;
    }
}
