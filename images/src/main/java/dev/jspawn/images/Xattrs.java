package dev.jspawn.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/** Extended attributes of a path, never following a symlink, in every namespace (trusted.* too, as root). */
public final class Xattrs {

    private static final int ENODATA = 61;
    private static final int ERANGE = 34;
    private static final int ENOTSUP = 95;

    interface LibC extends Library {
        NativeLong llistxattr(String path, byte[] list, NativeLong size) throws LastErrorException;

        NativeLong lgetxattr(String path, String name, byte[] value, NativeLong size) throws LastErrorException;

        int lsetxattr(String path, String name, byte[] value, NativeLong size, int flags) throws LastErrorException;
    }

    private static final LibC C = Native.load("c", LibC.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

    private Xattrs() {
    }

    /** Name → value, sorted by name. */
    public static Map<String, byte[]> all(Path path) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        String p = path.toString();
        byte[] names;
        while (true) {
            try {
                long size = C.llistxattr(p, null, new NativeLong(0)).longValue();
                if (size == 0) return out;
                names = new byte[(int) size];
                long got = C.llistxattr(p, names, new NativeLong(size)).longValue();
                if (got < size) names = java.util.Arrays.copyOf(names, (int) got);
                break;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ERANGE) continue; // grew in between
                if (e.getErrorCode() == ENOTSUP) return out;
                throw new IOException("Failed to list extended attributes of " + p + ": " + e.getMessage(), e);
            }
        }
        int start = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i] == 0) {
                if (i > start) {
                    String name = new String(names, start, i - start, StandardCharsets.UTF_8);
                    byte[] value = get(p, name);
                    if (value != null) out.put(name, value);
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Sets one attribute (any namespace the caller may write, trusted.* as root), not following a symlink. */
    public static void set(Path path, String name, byte[] value) throws IOException {
        try {
            C.lsetxattr(path.toString(), name, value, new NativeLong(value.length), 0);
        } catch (LastErrorException e) {
            throw new IOException("Failed to set extended attribute " + name + " of " + path + ": " + e.getMessage(), e);
        }
    }

    /** One attribute's value, not following a symlink; null if it is not set. */
    public static byte[] get(Path path, String name) throws IOException {
        return get(path.toString(), name);
    }

    private static byte[] get(String path, String name) throws IOException {
        while (true) {
            try {
                long size = C.lgetxattr(path, name, null, new NativeLong(0)).longValue();
                byte[] value = new byte[(int) size];
                if (size == 0) return value;
                long got = C.lgetxattr(path, name, value, new NativeLong(size)).longValue();
                return got == size ? value : java.util.Arrays.copyOf(value, (int) got);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == ERANGE) continue;
                if (e.getErrorCode() == ENODATA) return null; // removed in between
                throw new IOException("Failed to read extended attribute " + name + " of " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
