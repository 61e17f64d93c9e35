package dev.jspawn.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * A running guest's small files, read from the host through its root ({@code /proc/LEADER/root}) the way nspawn reads a
 * container's files: every path resolved as if that root were "/" (openat2(2)'s {@code RESOLVE_IN_ROOT}, Linux 5.6). A
 * symlink the guest left, absolute or full of "..", stays inside the guest's tree, and magic links ({@code /proc/self/…})
 * are not followed at all. Only a regular file is read, opened without blocking, at most {@code max} bytes. Anything else
 * (missing, a FIFO, a directory, too large, a kernel without openat2) reads as nothing: a guest's file can cost the shared
 * helper neither a thread, nor its memory, nor a host file's secret.
 */
final class GuestFiles {

    /** statfs(2)'s f_type of sysfs: what the guest's /sys/class/net is on once nspawn has mounted it. */
    static final long SYSFS = 0x62656572L;
    /** No check of the file system the file is on. */
    static final long ANY = 0;

    // x86_64 and aarch64 share these numbers (openat2 came after the unified syscall table; the flags are the generic ones).
    private static final long SYS_OPENAT2 = 437;
    private static final long AT_FDCWD = -100;
    private static final long O_NONBLOCK = 04000;
    private static final long O_NOCTTY = 0400;
    private static final long O_CLOEXEC = 02000000;
    private static final long O_PATH = 010000000;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_TYPE = 0x1;
    private static final int STATX_MODE_OFFSET = 28; // struct statx's stx_mode: its layout is the same on every architecture
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    interface LibC extends Library {
        NativeLong syscall(NativeLong number, Object... args) throws LastErrorException;

        int statx(int dirfd, String path, int flags, int mask, byte[] buf) throws LastErrorException;

        int fstatfs(int fd, byte[] buf) throws LastErrorException;

        NativeLong read(int fd, Pointer buf, NativeLong count) throws LastErrorException;

        int close(int fd);
    }

    private static final LibC C = Native.load("c", LibC.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

    private GuestFiles() {
    }

    /**
     * {@code rel} below {@code root}, resolved inside it, if it is a regular file of at most {@code max} bytes on a file
     * system of type {@code fsType} ({@link #ANY} for any).
     */
    static Optional<byte[]> read(Path root, String rel, int max, long fsType) {
        int dir = -1;
        int file = -1;
        try {
            dir = openat2(AT_FDCWD, root.toString(), O_PATH | O_CLOEXEC, 0);
            file = openat2(dir, rel, O_NONBLOCK | O_NOCTTY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
            if (fsType != ANY && fsType(file) != fsType) return Optional.empty();
            byte[] st = new byte[256];
            C.statx(file, "", AT_EMPTY_PATH, STATX_TYPE, st);
            int mode = ByteBuffer.wrap(st).order(ByteOrder.nativeOrder()).getShort(STATX_MODE_OFFSET) & 0xffff;
            if ((mode & S_IFMT) != S_IFREG) return Optional.empty();
            try (Memory buf = new Memory(max + 1)) { // one byte more than allowed: a file that fills it is too large
                long n = 0;
                for (long got; n < buf.size() && (got = C.read(file, buf.share(n), new NativeLong(buf.size() - n)).longValue()) > 0; ) n += got;
                return n > max ? Optional.empty() : Optional.of(buf.getByteArray(0, (int) n));
            }
        } catch (LastErrorException e) {
            return Optional.empty(); // missing, not allowed, or no openat2 (Linux before 5.6)
        } finally {
            if (file >= 0) C.close(file);
            if (dir >= 0) C.close(dir);
        }
    }

    /** The file system type of {@code path} (statfs(2)'s f_type), for tests that stand a directory in for sysfs. */
    static long fsType(Path path) {
        int fd = openat2(AT_FDCWD, path.toString(), O_PATH | O_CLOEXEC, 0);
        try {
            return fsType(fd);
        } finally {
            C.close(fd);
        }
    }

    private static long fsType(int fd) {
        byte[] st = new byte[256];
        C.fstatfs(fd, st);
        ByteBuffer b = ByteBuffer.wrap(st).order(ByteOrder.nativeOrder());
        return Native.LONG_SIZE == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL; // f_type comes first, a long
    }

    private static int openat2(long dirfd, String path, long flags, long resolve) {
        try (Memory how = new Memory(24)) { // struct open_how: flags, mode, resolve
            how.setLong(0, flags);
            how.setLong(8, 0);
            how.setLong(16, resolve);
            return C.syscall(new NativeLong(SYS_OPENAT2), dirfd, path, how, 24L).intValue();
        }
    }
}
