package dev.jspawn.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * A child's user namespace: 65536 host UIDs (and GIDs) starting at a multiple of 65536, picked as
 * systemd-nspawn's {@code --private-users=pick} picks them: the first candidate is a SipHash-2-4 of
 * the machine name with nspawn's own key, reduced into nspawn's range (0x80000 to 0x6FFF0000), so
 * a name gets the range nspawn would give it. A taken candidate is followed by hashes of the name
 * with a counter (nspawn takes random ones; ours are repeatable). The record of a child's range is
 * the owner of its upper dir's root.
 */
public final class UidRanges {

    public static final long SIZE = 0x10000;
    public static final long PICK_MIN = 0x00080000L;
    public static final long PICK_MAX = 0x6FFF0000L;
    private static final int TRIES = 100;
    private static final byte[] NSPAWN_HASH_KEY = bytes(0xe1, 0x56, 0xe0, 0xf0, 0x4a, 0xf0, 0x41, 0xaf,
            0x96, 0x41, 0xcf, 0x41, 0x33, 0x94, 0xff, 0x72);

    /** A range [start, start + 65536) of host IDs, and what uses it, for messages. */
    public record Use(long start, long size, String what) {
        boolean overlaps(long s) {
            return s < start + size && start < s + SIZE;
        }
    }

    private UidRanges() {
    }

    /** nspawn's first candidate for a machine name. */
    public static long hashed(String machineName) {
        return reduce(siphash24(machineName.getBytes(StandardCharsets.UTF_8), NSPAWN_HASH_KEY));
    }

    static long reduce(long hash) {
        long c = hash & 0xFFFFFFFFL; // nspawn keeps a uid_t: the low 32 bits
        c = (c % (PICK_MAX - PICK_MIN)) + PICK_MIN;
        return c & 0xFFFF0000L;
    }

    /** The first candidate that {@code free} accepts: nspawn's hash of the name, then hashes of "name#1", "name#2", … */
    public static long pick(String machineName, LongPredicate free) {
        for (int i = 0; i < TRIES; i++) {
            long c = i == 0 ? hashed(machineName) : reduce(siphash24((machineName + "#" + i).getBytes(StandardCharsets.UTF_8), NSPAWN_HASH_KEY));
            if (free.test(c)) return c; // always a multiple of 65536 in nspawn's range
        }
        throw new IllegalStateException("no free UID range found for " + machineName + " in " + TRIES + " tries");
    }

    /** The first use that overlaps [start, start + 65536), if any. */
    public static Optional<Use> conflict(long start, Collection<Use> uses) {
        return uses.stream().filter(u -> u.overlaps(start)).findFirst();
    }

    /**
     * What the host itself uses (under {@code root}, "/" on a real host): every UID in /etc/passwd, every GID
     * in /etc/group, the subordinate ranges of /etc/subuid and /etc/subgid, and the ranges stock
     * systemd-nspawn containers hold locks on in /run/systemd/nspawn-uid.
     */
    public static List<Use> hostUses(Path root) throws IOException {
        List<Use> uses = new ArrayList<>();
        for (String f : List.of("etc/passwd", "etc/group")) {
            for (String line : lines(root.resolve(f))) {
                String[] p = line.split(":", -1);
                if (p.length > 2) number(p[2]).ifPresent(id -> uses.add(new Use(id, 1, "/" + f + " entry " + p[0])));
            }
        }
        for (String f : List.of("etc/subuid", "etc/subgid")) {
            for (String line : lines(root.resolve(f))) {
                String[] p = line.split(":", -1);
                if (p.length != 3) continue;
                Optional<Long> start = number(p[1]), count = number(p[2]);
                if (start.isPresent() && count.isPresent()) uses.add(new Use(start.get(), count.get(), "/" + f + " range of " + p[0]));
            }
        }
        Path locks = root.resolve("run/systemd/nspawn-uid");
        if (Files.isDirectory(locks)) {
            try (var s = Files.list(locks)) {
                for (Path p : s.toList()) {
                    number(p.getFileName().toString()).ifPresent(id -> uses.add(new Use(id, SIZE, "a systemd-nspawn container (" + p + ")")));
                }
            }
        }
        return uses;
    }

    private static List<String> lines(Path p) throws IOException {
        try {
            if (Files.size(p) > 16 << 20) throw new IOException(p + " is larger than 16 MiB");
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static Optional<Long> number(String s) {
        if (!s.matches("[0-9]{1,10}")) return Optional.empty();
        return Optional.of(Long.parseLong(s));
    }

    /** SipHash-2-4, as systemd's siphash24(), little-endian. */
    static long siphash24(byte[] in, byte[] key) {
        long k0 = le(key, 0), k1 = le(key, 8);
        long[] v = {0x736f6d6570736575L ^ k0, 0x646f72616e646f6dL ^ k1, 0x6c7967656e657261L ^ k0, 0x7465646279746573L ^ k1};
        int n = in.length, end = n - n % 8;
        for (int i = 0; i < end; i += 8) compress(v, le(in, i));
        long last = ((long) n) << 56;
        for (int i = 0; i < n % 8; i++) last |= (in[end + i] & 0xffL) << (8 * i);
        compress(v, last);
        v[2] ^= 0xff;
        for (int i = 0; i < 4; i++) round(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void compress(long[] v, long m) {
        v[3] ^= m;
        round(v);
        round(v);
        v[0] ^= m;
    }

    private static void round(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }

    private static long le(byte[] b, int off) {
        long r = 0;
        for (int i = 7; i >= 0; i--) r = (r << 8) | (b[off + i] & 0xffL);
        return r;
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }
}
