package dev.jspawn.images;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * A base's current version published as an OCI image whose layers are the version's layers
 * ({@link LayerTar}, gzip-compressed), written as an OCI layout in the image root, then copied to
 * DEST by skopeo. Every byte is the same for the same version (tars in name order, gzip without a
 * time or a name, JSON in a fixed order, no creation time), so the same version pushed twice has the
 * same manifest digest, and every host that pulls it holds the same version.
 */
public final class BasePush {

    /** Where the layout is written while a push runs: ROOT/.jspawn/push/NAME, deleted once it ends. */
    public static final String PUSH = ".jspawn/push";

    /** What a push wrote: the image's config digest (its id), the manifest's digest, and the device nodes left out. */
    public record Result(String configDigest, String manifestDigest, int layers, int devicesLeftOut) {
    }

    private final Path imageRoot;
    private final Path lockDir;
    private final Locks.Policy locks;
    private final BaseTools tools;
    private final PrintWriter out;

    public BasePush(Path imageRoot, Path lockDir, Locks.Policy locks, BaseTools tools, PrintWriter out) {
        this.imageRoot = imageRoot;
        this.lockDir = lockDir;
        this.locks = locks;
        this.tools = tools;
        this.out = out;
    }

    /** Pushes base {@code name}'s current version to {@code dest} (a skopeo transport:reference) with skopeo's {@code options}. */
    public Result run(String name, String dest, List<String> options) throws IOException {
        BaseStore.validName(name);
        if (!BasePull.onPath("skopeo")) throw new BaseFailure("base push needs skopeo, which copies images to registries and archives: apt-get install skopeo");
        BaseStore store = new BaseStore(imageRoot);
        // Shared: a push reads the version while children and other pushes may too; an update waits.
        try (var lock = Locks.base(lockDir, imageRoot, name, false, locks)) {
            java.util.Optional<BaseStore.Missing> missing = store.missing(name);
            if (missing.isPresent()) throw new BaseFailure("cannot push " + name + ": " + missing.get().reason());
            Path version = store.current(name).orElseThrow(() -> new BaseFailure("no base " + name + " in " + imageRoot));
            Path layout = imageRoot.resolve(PUSH).resolve(name);
            Trees.deleteIfExists(layout);
            Files.createDirectories(layout.resolve("blobs/sha256"));
            try {
                Result r = layout(version, layout);
                List<String> cmd = BasePull.skopeoCopy(options, "oci:" + layout + ":jspawn", dest);
                step("skopeo copy to " + dest);
                int status = tools.run(cmd);
                if (status != 0) throw new BaseFailure("skopeo copy to " + dest + " failed (exit status " + status + ")");
                return r;
            } finally {
                Trees.deleteIfExists(layout);
            }
        }
    }

    /** Writes the OCI layout of {@code version} into {@code layout}. */
    Result layout(Path version, Path layout) throws IOException {
        List<Path> layers = new ArrayList<>(Layers.of(version));
        java.util.Collections.reverse(layers); // bottom first, as an image lists them
        List<Map<String, Object>> refs = new ArrayList<>();
        List<Object> diffIds = new ArrayList<>();
        int devices = 0;
        for (Path l : layers) {
            step("Writing layer " + (refs.size() + 1) + " of " + layers.size());
            Path tmp = layout.resolve("blobs/sha256/.layer");
            MessageDigest tarDigest = OciImage.sha256(), blobDigest = OciImage.sha256();
            long[] size = new long[1];
            try (OutputStream file = Files.newOutputStream(tmp);
                    OutputStream counted = new java.io.FilterOutputStream(new DigestOutputStream(file, blobDigest)) {
                        @Override
                        public void write(byte[] b, int off, int len) throws IOException {
                            out.write(b, off, len);
                            size[0] += len;
                        }

                        @Override
                        public void write(int b) throws IOException {
                            out.write(b);
                            size[0]++;
                        }
                    };
                    GzipCompressorOutputStream gz = new GzipCompressorOutputStream(counted, gzipParameters());
                    DigestOutputStream tar = new DigestOutputStream(gz, tarDigest)) {
                devices += LayerTar.write(l, tar);
            }
            String blob = OciImage.digest(blobDigest);
            Files.move(tmp, layout.resolve("blobs/sha256").resolve(blob.substring(7)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip");
            ref.put("digest", blob);
            ref.put("size", size[0]);
            refs.add(ref);
            diffIds.add(OciImage.digest(tarDigest));
        }
        Map<String, Object> config = config(version, diffIds);
        byte[] configBytes = Json.bytes(config);
        String configDigest = blob(layout, configBytes);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.put("config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json", "digest", configDigest, "size", configBytes.length));
        manifest.put("layers", refs);
        byte[] manifestBytes = Json.bytes(manifest);
        String manifestDigest = blob(layout, manifestBytes);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        entry.put("digest", manifestDigest);
        entry.put("size", manifestBytes.length);
        entry.put("annotations", Map.of("org.opencontainers.image.ref.name", "jspawn"));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("manifests", List.of(entry));
        Files.write(layout.resolve("index.json"), Json.bytes(index));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return new Result(configDigest, manifestDigest, layers.size(), devices);
    }

    /** The version's image config (a pulled one's, else a minimal one), with rootfs.diff_ids those of the layers written; no history, no time. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> config(Path version, List<Object> diffIds) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        Path file = version.resolve(OciImage.CONFIG_FILE);
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && OciImage.json(Files.readAllBytes(file), "the config") instanceof Map<?, ?> m) {
            config.putAll((Map<String, Object>) m);
        } else {
            config.put("architecture", "amd64".equals(System.getProperty("os.arch")) ? "amd64" : System.getProperty("os.arch").replace("aarch64", "arm64"));
            config.put("os", "linux");
        }
        config.remove("history");
        config.remove("created");
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", diffIds);
        config.put("rootfs", rootfs);
        return config;
    }

    private static GzipParameters gzipParameters() {
        GzipParameters p = new GzipParameters();
        p.setModificationTime(0);
        p.setOperatingSystem(255);
        p.setCompressionLevel(6);
        return p;
    }

    private static String blob(Path layout, byte[] b) throws IOException {
        String d = OciImage.digest(b);
        Files.write(layout.resolve("blobs/sha256").resolve(d.substring(7)), b);
        return d;
    }

    private void step(String what) {
        out.println("==> " + what);
        out.flush();
    }
}
