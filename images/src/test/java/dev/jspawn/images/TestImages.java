package dev.jspawn.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Tars and OCI image layouts written by the tests themselves, as a registry's client would find them. */
final class TestImages {

    private TestImages() {
    }

    /** A tar, built entry by entry. */
    static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar;

        Tar() {
            tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        Tar dir(String name) throws IOException {
            return add(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), null, e -> e.setMode(040755));
        }

        Tar file(String name, String content) throws IOException {
            return file(name, content, e -> { });
        }

        Tar file(String name, String content, Consumer<TarArchiveEntry> how) throws IOException {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            return add(new TarArchiveEntry(name), b, e -> {
                e.setSize(b.length);
                e.setMode(0100644);
                how.accept(e);
            });
        }

        /** An entry with an absolute name, which a tar writer strips unless told not to. */
        Tar absolute(String name, String content) throws IOException {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            return add(new TarArchiveEntry(name, true), b, e -> e.setSize(b.length));
        }

        Tar symlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            return add(e, null, x -> { });
        }

        Tar hardlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
            e.setLinkName(target);
            return add(e, null, x -> { });
        }

        Tar device(String name, byte type, int major, int minor) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, type);
            e.setDevMajor(major);
            e.setDevMinor(minor);
            return add(e, null, x -> { });
        }

        /** An entry whose header claims {@code size} bytes, of which none follow: what a bomb's header says. */
        Tar claims(String name, long size) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(size);
            tar.putArchiveEntry(e);
            return this; // left open: the stream ends inside the entry
        }

        Tar add(TarArchiveEntry e, byte[] content, Consumer<TarArchiveEntry> how) throws IOException {
            how.accept(e);
            tar.putArchiveEntry(e);
            if (content != null) tar.write(content);
            tar.closeArchiveEntry();
            return this;
        }

        byte[] bytes() throws IOException {
            tar.finish();
            return bytes.toByteArray();
        }

        /** The bytes so far, unfinished (for a header with no body). */
        byte[] raw() throws IOException {
            tar.flush();
            return bytes.toByteArray();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    /** A layer as an image names it: the blob (gzip-compressed), and the digests of blob and tar. */
    record Blob(byte[] blob, String digest, String diffId) {
        static Blob of(byte[] tar) throws Exception {
            byte[] gz = gzip(tar);
            return new Blob(gz, sha256(gz), sha256(tar));
        }
    }

    /** Writes an OCI layout with one image of {@code layers} (bottom first) at {@code dir}; returns the config's digest. */
    static String layout(Path dir, List<Blob> layers, String cmdJson) throws Exception {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String> diffIds = new ArrayList<>(), refs = new ArrayList<>();
        for (Blob l : layers) {
            Files.write(dir.resolve("blobs/sha256").resolve(l.digest().substring(7)), l.blob()); // under the digest it claims
            diffIds.add("\"" + l.diffId() + "\"");
            refs.add("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + l.digest() + "\",\"size\":" + l.blob().length + "}");
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{" + cmdJson + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = write(dir, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":["
                + String.join(",", refs) + "]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = write(dir, manifest);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"jspawn\"}}]}");
        return configDigest;
    }

    private static String write(Path dir, byte[] b) throws Exception {
        String d = sha256(b);
        Files.write(dir.resolve("blobs/sha256").resolve(d.substring(7)), b);
        return d;
    }

    static Map<String, String> none() {
        return Map.of();
    }
}
