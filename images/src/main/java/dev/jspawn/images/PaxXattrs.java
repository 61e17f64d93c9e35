package dev.jspawn.images;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The extended attributes of a tar's entries, byte for byte, as the stream passes through. Commons
 * Compress hands a PAX record's value over as a UTF-8 string, which loses the bytes of binary values
 * that are not UTF-8: every POSIX ACL (its undefined id is 0xffffffff) and many file capabilities.
 * This reads the tar's headers as they go by (each one's checksum checked, so that it never follows
 * a structure it lost), keeps each {@code SCHILY.xattr.*} record of a PAX header, and queues them, one
 * map per entry in the order of the entries, for the reader to take with {@link #next()}.
 */
final class PaxXattrs extends FilterInputStream {

    private static final String XATTR = "SCHILY.xattr.";
    private static final int BLOCK = 512;
    /** A PAX header is a few records; one larger than this is no header but an attack on memory. */
    private static final long MAX_PAX = 1L << 20;

    private final ArrayDeque<Map<String, byte[]>> queue = new ArrayDeque<>();
    private Map<String, byte[]> pending = new HashMap<>();
    private Long pendingSize;
    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    /** Bytes of the current entry's body (with its padding) still to pass; capture is set when they are a PAX header's. */
    private long body;
    private ByteArrayOutputStream capture;
    private long captureLeft;
    private boolean ended;

    PaxXattrs(InputStream in) {
        super(in);
    }

    /** The attributes of the next entry Commons Compress returns (empty if it has none). */
    Map<String, byte[]> next() throws LayerUnpack.Refused {
        Map<String, byte[]> m = queue.poll();
        if (m == null) throw new LayerUnpack.Refused("the tar's entries and headers do not match");
        return m;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) see(new byte[] { (byte) b }, 0, 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) see(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        int r = read(buf, 0, buf.length); // seen, not skipped past
        return Math.max(r, 0);
    }

    private void see(byte[] b, int off, int len) throws IOException {
        int i = off, end = off + len;
        while (i < end && !ended) {
            if (body > 0) {
                int take = (int) Math.min(body, end - i);
                if (capture != null && captureLeft > 0) {
                    int c = (int) Math.min(captureLeft, take);
                    capture.write(b, i, c);
                    captureLeft -= c;
                }
                body -= take;
                i += take;
                if (body == 0 && capture != null) {
                    parsePax(capture.toByteArray());
                    capture = null;
                }
                continue;
            }
            int take = Math.min(BLOCK - headerFill, end - i);
            System.arraycopy(b, i, header, headerFill, take);
            headerFill += take;
            i += take;
            if (headerFill == BLOCK) {
                headerFill = 0;
                header();
            }
        }
    }

    private void header() throws IOException {
        boolean zero = true;
        for (byte x : header) zero &= x == 0;
        if (zero) {
            ended = true; // the end-of-archive blocks: what follows is padding
            return;
        }
        checkSum();
        long size = size();
        char type = (char) header[156];
        long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
        switch (type) {
            case 'x' -> {
                if (size > MAX_PAX) throw new LayerUnpack.Refused("a PAX header of " + size + " bytes");
                capture = new ByteArrayOutputStream((int) size);
                captureLeft = size;
            }
            case 'g', 'L', 'K' -> { } // global headers, GNU long names: they belong to no entry of their own
            default -> {
                queue.add(pending);
                if (pendingSize != null && type != '1' && type != '2' && type != '5') padded = (pendingSize + BLOCK - 1) / BLOCK * BLOCK;
                pending = new HashMap<>();
                pendingSize = null;
                if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6') padded = 0; // no body
            }
        }
        body = padded;
        if (body == 0 && capture != null) {
            parsePax(capture.toByteArray());
            capture = null;
        }
    }

    private void checkSum() throws LayerUnpack.Refused {
        long sum = 0;
        for (int k = 0; k < BLOCK; k++) sum += (k >= 148 && k < 156) ? ' ' : (header[k] & 0xff);
        long stated = octal(148, 8);
        if (stated != sum) throw new LayerUnpack.Refused("a tar header whose checksum is wrong (the tar is damaged or not a tar)");
    }

    private long size() throws LayerUnpack.Refused {
        if ((header[124] & 0x80) != 0) { // base-256, for sizes of 8 GiB and more
            long v = 0;
            for (int k = 125; k < 136; k++) {
                if ((v >>> 55) != 0) throw new LayerUnpack.Refused("a tar entry larger than this reader takes");
                v = (v << 8) | (header[k] & 0xff);
            }
            return v;
        }
        return octal(124, 12);
    }

    private long octal(int at, int len) throws LayerUnpack.Refused {
        long v = 0;
        int k = at, end = at + len;
        while (k < end && (header[k] == ' ' || header[k] == 0)) k++;
        for (; k < end && header[k] >= '0' && header[k] <= '7'; k++) {
            if ((v >>> 60) != 0) throw new LayerUnpack.Refused("a tar header number out of range");
            v = v * 8 + (header[k] - '0');
        }
        return v;
    }

    /** Records "LENGTH KEY=VALUE\n", LENGTH counting the whole record. */
    private void parsePax(byte[] b) throws LayerUnpack.Refused {
        int i = 0;
        while (i < b.length) {
            int sp = i;
            while (sp < b.length && b[sp] != ' ') sp++;
            if (sp == b.length) break;
            int length;
            try {
                length = Integer.parseInt(new String(b, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new LayerUnpack.Refused("a PAX header record without a length");
            }
            if (length <= sp - i + 1 || i + length > b.length || b[i + length - 1] != '\n') throw new LayerUnpack.Refused("a damaged PAX header record");
            int eq = sp + 1;
            while (eq < i + length && b[eq] != '=') eq++;
            if (eq >= i + length) throw new LayerUnpack.Refused("a PAX header record without '='");
            String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(b, eq + 1, i + length - 1);
            if (key.startsWith(XATTR)) pending.put(key.substring(XATTR.length()), value);
            if (key.equals("size")) {
                try {
                    pendingSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    throw new LayerUnpack.Refused("a PAX size that is not a number");
                }
            }
            i += length;
        }
    }
}
