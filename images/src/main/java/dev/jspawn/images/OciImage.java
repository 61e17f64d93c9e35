package dev.jspawn.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * One image in an OCI image layout (the directory skopeo writes for {@code oci:DIR:TAG}), as the
 * OCI image spec has it: index.json names the manifest, the manifest the config and the layers,
 * and every one of them is a blob named by its digest, which is checked as it is read. The config's
 * rootfs.diff_ids give each layer's digest once uncompressed, which names it in the layer store.
 */
public final class OciImage {

    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    /** Manifests, configs and indexes are small; a larger one is not what it claims to be. */
    private static final long MAX_JSON = 4L << 20;

    /** A layer: its blob's digest and media type, and its uncompressed digest (diff_id). */
    public record Layer(String digest, String mediaType, long size, String diffId) {
        /** Its id in the layer store. */
        public String id() {
            return diffId.replace(':', '-');
        }
    }

    /** The image's run-time settings (the config's "config" object), as far as jspawn uses them. */
    public record RunConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    }

    private final Path layout;
    private final String manifestDigest;
    private final String configDigest;
    private final byte[] config;
    private final List<Layer> layers;
    private final RunConfig run;

    private OciImage(Path layout, String manifestDigest, String configDigest, byte[] config, List<Layer> layers, RunConfig run) {
        this.layout = layout;
        this.manifestDigest = manifestDigest;
        this.configDigest = configDigest;
        this.config = config;
        this.layers = List.copyOf(layers);
        this.run = run;
    }

    public String manifestDigest() {
        return manifestDigest;
    }

    /** The config blob's digest: the image's id, the same for the same image from any registry. */
    public String configDigest() {
        return configDigest;
    }

    public byte[] config() {
        return config.clone();
    }

    /** Bottom first. */
    public List<Layer> layers() {
        return layers;
    }

    public RunConfig run() {
        return run;
    }

    /** Reads the one image in {@code layout} (its index.json must name exactly one manifest). */
    @SuppressWarnings("unchecked")
    public static OciImage read(Path layout) throws IOException {
        Map<String, Object> index = (Map<String, Object>) json(Files.readAllBytes(checked(layout.resolve("index.json"))), "index.json");
        List<Object> manifests = list(index, "manifests", "index.json");
        if (manifests.size() != 1) throw new IOException("index.json of " + layout + " names " + manifests.size() + " images, not one");
        String manifestDigest = string((Map<String, Object>) manifests.get(0), "digest", "index.json");
        byte[] manifestBytes = blob(layout, manifestDigest, "the manifest");
        Map<String, Object> manifest = (Map<String, Object>) json(manifestBytes, "the manifest");
        Map<String, Object> configRef = (Map<String, Object>) manifest.get("config");
        if (configRef == null) throw new IOException("the manifest has no config: it is not an image manifest");
        String configDigest = string(configRef, "digest", "the manifest");
        byte[] configBytes = blob(layout, configDigest, "the config");
        Map<String, Object> config = (Map<String, Object>) json(configBytes, "the config");
        Map<String, Object> rootfs = (Map<String, Object>) config.get("rootfs");
        if (rootfs == null) throw new IOException("the config has no rootfs");
        List<Object> diffIds = list(rootfs, "diff_ids", "the config");
        List<Object> layerRefs = list(manifest, "layers", "the manifest");
        if (diffIds.size() != layerRefs.size()) {
            throw new IOException("the manifest names " + layerRefs.size() + " layers, its config " + diffIds.size());
        }
        if (layerRefs.isEmpty() || layerRefs.size() > Layers.MAX_DEPTH) {
            throw new IOException("the image has " + layerRefs.size() + " layers; jspawn takes 1 to " + Layers.MAX_DEPTH);
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerRefs.size(); i++) {
            Map<String, Object> l = (Map<String, Object>) layerRefs.get(i);
            String diffId = (String) diffIds.get(i);
            if (diffId == null || !DIGEST.matcher(diffId).matches()) throw new IOException("the config's diff_id " + diffId + " is not a sha256 digest");
            String digest = string(l, "digest", "the manifest");
            checkDigest(digest);
            Object size = l.get("size");
            layers.add(new Layer(digest, string(l, "mediaType", "the manifest"), size instanceof Number n ? n.longValue() : -1, diffId));
        }
        return new OciImage(layout, manifestDigest, configDigest, configBytes, layers, runConfig(configBytes));
    }

    /** The run-time settings of an image config (its "config" object; empty where it has none). */
    @SuppressWarnings("unchecked")
    public static RunConfig runConfig(byte[] configBytes) throws IOException {
        Object parsed = json(configBytes, "the config");
        Map<String, Object> config = parsed instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> c = config.get("config") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return new RunConfig(strings(c.get("Entrypoint")), strings(c.get("Cmd")), strings(c.get("Env")),
                c.get("WorkingDir") instanceof String s ? s : "", c.get("User") instanceof String s ? s : "");
    }

    /**
     * The uncompressed tar of {@code layer}, read from its blob; the caller must read it to its end and
     * then call {@link Verified#check}, which compares both digests.
     */
    public Verified open(Layer layer) throws IOException {
        Path blob = checked(blobPath(layout, layer.digest()));
        MessageDigest outer = sha256(), inner = sha256();
        InputStream raw = new DigestInputStream(Files.newInputStream(blob), outer);
        InputStream plain;
        String type = layer.mediaType();
        if (type.endsWith("+gzip") || type.endsWith(".tar.gzip") || type.endsWith(".tar.gz")) {
            plain = new GzipCompressorInputStream(raw, true);
        } else if (type.endsWith("+zstd")) {
            plain = new ZstdCompressorInputStream(raw);
        } else if (type.endsWith(".tar") || type.endsWith("rootfs.diff.tar")) {
            plain = raw;
        } else {
            raw.close();
            throw new IOException("layer " + layer.digest() + " has media type " + type + ", which jspawn cannot unpack (tar, tar+gzip and tar+zstd it can)");
        }
        return new Verified(new DigestInputStream(plain, inner), raw, outer, inner, layer);
    }

    /** A layer's tar being read, and the digests of what was read. */
    public static final class Verified implements AutoCloseable {
        private final InputStream tar;
        private final InputStream blob;
        private final MessageDigest outer, inner;
        private final Layer layer;

        Verified(InputStream tar, InputStream blob, MessageDigest outer, MessageDigest inner, Layer layer) {
            this.tar = tar;
            this.blob = blob;
            this.outer = outer;
            this.inner = inner;
            this.layer = layer;
        }

        public InputStream tar() {
            return tar;
        }

        /** Refuses the layer unless the blob and the uncompressed tar, both read to their end, have the digests the image names. */
        public void check() throws IOException {
            tar.transferTo(java.io.OutputStream.nullOutputStream());
            blob.transferTo(java.io.OutputStream.nullOutputStream());
            String got = digest(outer);
            if (!got.equals(layer.digest())) throw new LayerUnpack.Refused("layer " + layer.digest() + ": its blob's digest is " + got);
            String diff = digest(inner);
            if (!diff.equals(layer.diffId())) {
                throw new LayerUnpack.Refused("layer " + layer.digest() + ": its tar's digest is " + diff + ", not the config's " + layer.diffId());
            }
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }

    /** A SHA-256 digest, to read or write blobs with. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sha256:HEX of {@code b}, as OCI names a blob. */
    static String digest(byte[] b) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(b));
    }

    /** sha256:HEX of what {@code d} has read. */
    static String digest(MessageDigest d) {
        return "sha256:" + HexFormat.of().formatHex(d.digest());
    }

    private static void checkDigest(String digest) throws IOException {
        if (!DIGEST.matcher(digest).matches()) throw new IOException("digest " + digest + " is not sha256:HEX; jspawn takes only sha256 digests");
    }

    private static Path blobPath(Path layout, String digest) throws IOException {
        checkDigest(digest);
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    /** A regular file, not a symlink or a FIFO: a layout is read as it is, never through a link. */
    private static Path checked(Path p) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) throw new IOException(p + " is missing or not a regular file");
        return p;
    }

    /** A small blob (manifest, config), whose digest is checked. */
    private static byte[] blob(Path layout, String digest, String what) throws IOException {
        Path p = checked(blobPath(layout, digest));
        if (Files.size(p) > MAX_JSON) throw new IOException(what + " (" + digest + ") is larger than " + Sizes.human(MAX_JSON));
        byte[] b = Files.readAllBytes(p);
        String got = digest(b);
        if (!got.equals(digest)) throw new LayerUnpack.Refused(what + " " + digest + " has the digest " + got);
        return b;
    }

    private static List<Object> list(Map<String, Object> m, String key, String where) throws IOException {
        if (!(m.get(key) instanceof List<?> l)) throw new IOException(where + " has no list " + key);
        @SuppressWarnings("unchecked")
        List<Object> out = (List<Object>) l;
        return out;
    }

    private static String string(Map<String, Object> m, String key, String where) throws IOException {
        if (!(m.get(key) instanceof String s)) throw new IOException(where + " has no " + key);
        return s;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) if (x instanceof String s) out.add(s);
        return out;
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** JSON as maps, lists, strings, numbers, booleans and nulls. */
    static Object json(byte[] bytes, String what) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            p.nextToken();
            Object v = value(p);
            if (p.nextToken() != null) throw new IOException(what + " has more than one JSON value");
            return v;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(what + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) throw new IOException("no JSON value");
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) l.add(value(p));
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getNumberValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected JSON token " + t);
        }
    }

    /** The image's config digest as stored beside a pulled version, if any. */
    public static Optional<String> storedConfigDigest(Path version) throws IOException {
        Path p = version.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        return Optional.of(digest(Files.readAllBytes(p)));
    }

    /** The file in a pulled version holding the image's config, as pulled (its digest is the image's id). */
    public static final String CONFIG_FILE = "oci-config.json";
}
