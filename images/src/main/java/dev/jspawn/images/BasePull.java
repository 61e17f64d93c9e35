package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A base from an OCI image: skopeo copies the image, from any transport it knows, into an OCI layout
 * in the image root; each of its layers that the layer store lacks is checked and unpacked there
 * ({@link OciImage}, {@link LayerUnpack}); the new version is a stack of them ({@link Layers}) beside
 * the image's config, made current. The same image pulled again makes nothing. A refused layer
 * leaves nothing: it was unpacked into a directory of its own, which goes.
 */
public final class BasePull {

    /** Where skopeo's copy goes while a pull runs: ROOT/.jspawn/pull/NAME, deleted once the pull ends. */
    public static final String PULL = ".jspawn/pull";

    /** What a pull made: the new version, or empty when the image is the current version's already. */
    public record Result(Optional<BaseStore.Version> made, BaseStore.Version current, OciImage image, int layersUnpacked) {
    }

    private final Path imageRoot;
    private final Path lockDir;
    private final Locks.Policy locks;
    private final BaseTools tools;
    private final PrintWriter out;
    private final LayerUnpack.Limits limits;

    public BasePull(Path imageRoot, Path lockDir, Locks.Policy locks, BaseTools tools, PrintWriter out, LayerUnpack.Limits limits) {
        this.imageRoot = imageRoot;
        this.lockDir = lockDir;
        this.locks = locks;
        this.tools = tools;
        this.out = out;
        this.limits = limits;
    }

    /**
     * Pulls {@code source} (a skopeo transport:reference) with skopeo's {@code options} (e.g.
     * --src-tls-verify=false) into base {@code name}: a new base, or a new version of one.
     */
    public Result run(String name, String source, List<String> options) throws IOException {
        return run(name, source, options, true);
    }

    /** As {@link #run(String, String, List)}; without {@code makeCurrent} a new version is made but the current one stays (a rollout's). */
    public Result run(String name, String source, List<String> options, boolean makeCurrent) throws IOException {
        BaseStore.validName(name);
        if (!onPath("skopeo")) {
            throw new BaseFailure("base pull needs skopeo, which copies images from registries and archives: apt-get install skopeo");
        }
        try (var lock = Locks.base(lockDir, imageRoot, name, true, locks)) {
            Path layout = imageRoot.resolve(PULL).resolve(name);
            Trees.deleteIfExists(layout); // left by a pull that was killed
            Files.createDirectories(layout.getParent());
            try {
                List<String> cmd = skopeoCopy(options, source, "oci:" + layout + ":jspawn");
                step("skopeo copy " + source);
                int status = tools.run(cmd);
                if (status != 0) throw new BaseFailure("skopeo copy " + source + " failed (exit status " + status + "); base " + name + " is unchanged");
                Result r = fromLayout(name, layout, makeCurrent);
                PullOrigin.of(source, options).write(new BaseStore(imageRoot), name); // where jspawn auto-upgrade looks again
                return r;
            } finally {
                Trees.deleteIfExists(layout);
            }
        }
    }

    /** The rest of a pull, under the base's lock: the image in {@code layout} becomes base {@code name}'s newest version. */
    Result fromLayout(String name, Path layout) throws IOException {
        return fromLayout(name, layout, true);
    }

    private Result fromLayout(String name, Path layout, boolean makeCurrent) throws IOException {
        BaseStore store = new BaseStore(imageRoot);
        OciImage image = OciImage.read(layout);
        Optional<BaseStore.Missing> missing = store.missing(name);
        if (missing.isPresent()) throw new BaseFailure("cannot pull into " + name + ": " + missing.get().reason());
        if (makeCurrent) BaseUpdate.refuseRollout(store, name);
        Optional<Path> current = store.current(name);
        if (current.isPresent()) {
            Optional<String> had = OciImage.storedConfigDigest(current.get());
            List<String> ids = image.layers().stream().map(OciImage.Layer::id).toList();
            // The same config and the same layers: the image itself, not a version base update made from it.
            if (had.isPresent() && had.get().equals(image.configDigest()) && Layers.ids(current.get()).equals(ids)) {
                BaseStore.Version v = store.versions(name).stream().filter(BaseStore.Version::current).findFirst().orElseThrow();
                return new Result(Optional.empty(), v, image, 0);
            }
            store.adopt(name);
        }
        int unpacked = 0;
        List<String> ids = new ArrayList<>();
        try (var layerLock = Locks.layers(lockDir, imageRoot, locks)) {
            for (OciImage.Layer l : image.layers()) {
                ids.add(l.id());
                if (Layers.find(imageRoot, l.id()).isPresent()) continue;
                step("Unpacking layer " + l.diffId() + (l.size() >= 0 ? " (" + Sizes.human(l.size()) + " compressed)" : ""));
                unpack(image, l);
                unpacked++;
            }
            Path partial = store.prepare(name);
            try {
                Layers.writeStack(partial, ids);
                Files.write(partial.resolve(OciImage.CONFIG_FILE), image.config());
            } catch (IOException | RuntimeException e) {
                Trees.deleteIfExists(partial);
                throw e;
            }
            BaseStore.Version v = store.commit(name, partial, makeCurrent);
            BaseStore.Version now = makeCurrent ? v : store.versions(name).stream().filter(BaseStore.Version::current).findFirst().orElse(v);
            return new Result(Optional.of(v), now, image, unpacked);
        }
    }

    /** Unpacks one layer into ROOT/.jspawn/layers/ID.partial, checks both its digests, then renames it into place. */
    private void unpack(OciImage image, OciImage.Layer l) throws IOException {
        Path dir = Layers.dir(imageRoot, l.id());
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        Trees.deleteIfExists(partial);
        Files.createDirectories(dir.getParent());
        Files.createDirectory(partial);
        try (OciImage.Verified v = image.open(l)) {
            LayerUnpack.unpack(v.tar(), partial, limits);
            v.check();
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Trees.deleteIfExists(partial);
            if (e instanceof LayerUnpack.Refused) throw new BaseFailure("refused layer " + l.digest() + ": " + e.getMessage() + "; nothing of it was kept");
            if (noSpace(e)) {
                long free = Files.getFileStore(dir.getParent()).getUsableSpace();
                throw new BaseFailure("no space left in " + imageRoot + " to unpack layer " + l.diffId() + (l.size() >= 0 ? " (" + Sizes.human(l.size())
                        + " compressed)" : "") + "; " + Sizes.human(free) + " free once its partial copy went; nothing of it was kept, the base is unchanged");
            }
            throw e;
        }
    }

    /** skopeo copy of {@code from} to {@code to} (transport:reference each), with skopeo's {@code options}; "--" keeps either from reading as one. */
    static List<String> skopeoCopy(List<String> options, String from, String to) {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet"));
        cmd.addAll(options);
        cmd.add("--");
        cmd.add(from);
        cmd.add(to);
        return cmd;
    }

    /** A full disk (ENOSPC), however Java words it: "No space left on device" in the message or its file system's reason. */
    static boolean noSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t instanceof java.nio.file.FileSystemException f ? f.getReason() + " " + f.getMessage() : t.getMessage();
            if (m != null && m.contains("No space left on device")) return true;
        }
        return false;
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    private void step(String what) {
        out.println("==> " + what);
        out.flush();
    }

    /** Whether {@code dir} holds a pulled image's version (a stack beside the image's config). */
    public static boolean isPulled(Path version) {
        return Files.isRegularFile(version.resolve(OciImage.CONFIG_FILE), LinkOption.NOFOLLOW_LINKS);
    }
}
