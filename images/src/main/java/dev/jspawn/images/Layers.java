package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layer store, and base versions that are stacks of its layers.
 *
 * <p>A layer is a read-only directory tree in {@code ROOT/.jspawn/layers/ID}, stored once: ID is
 * {@code sha256-HEX}, the digest of the layer's uncompressed tar (an OCI image's diff_id), or for a
 * layer that base update made, {@code local-HEX}, random. What
 * it deletes from the layers below it is written as overlayfs writes it, so the kernel merges a
 * stack as it is: a whiteout is a character device 0/0, an opaque directory has
 * {@code trusted.overlay.opaque=y}.
 *
 * <p>A version of a base is either one full tree (as every version was before layers, and as
 * {@code base create} and {@code base update} of such a base make it), or a stack: a directory
 * holding only {@code layer@0}, {@code layer@1}, … (bottom first), each a relative symlink to a
 * layer, the layout of systemd's {@code .mstack} directories. Every host-side reader asks
 * {@link #of} for a version's layers, so both kinds are read the same way; a child's helper
 * mounts a stack's layers as one read-only overlay, which the child's own overlay has as its
 * lower layer.
 */
public final class Layers {

    public static final String STORE = ".jspawn/layers";
    public static final String PREFIX = "layer@";
    /**
     * A layer's name in the store: the algorithm and the hex digest of its uncompressed tar (a pulled layer), or
     * {@code local-} and 32 random hex digits (a layer base update made here, which has no tar).
     */
    public static final Pattern ID = Pattern.compile("sha256-[0-9a-f]{64}|local-[0-9a-f]{32}");
    private static final Pattern ENTRY = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,4})");
    /**
     * The most layers in one stack. Overlayfs takes 500 lower layers, but a mount's options are one page
     * (4096 bytes): a stack's view names each layer as /run/jspawn/NAME/stack/I/J, some 40 bytes.
     */
    public static final int MAX_DEPTH = 64;

    private Layers() {
    }

    public static Path store(Path imageRoot) {
        return imageRoot.resolve(STORE);
    }

    public static Path dir(Path imageRoot, String id) {
        if (!ID.matcher(id).matches()) throw new IllegalArgumentException("not a layer id: " + id);
        return store(imageRoot).resolve(id);
    }

    /** Whether {@code dir} (not followed if a symlink) is a stack: a directory whose entries are layer@N. */
    public static boolean isStack(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        return Files.exists(dir.resolve(PREFIX + "0"), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The layers of a base directory, topmost first, as overlayfs' lowerdir= takes them: a stack's
     * layers (each checked to be a directory in the layer store of the image root the stack is in), or
     * else the directory itself. A path through a symlink (ROOT/NAME, a versioned base) is its target,
     * as the kernel resolves it at mount time.
     */
    public static List<Path> of(Path base) throws IOException {
        Path real;
        try {
            real = base.toRealPath();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("lower layer " + base + " does not exist");
        }
        if (!isStack(real)) return List.of(real);
        Path layerStore = imageRootOf(real).resolve(STORE);
        TreeMap<Integer, Path> byIndex = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(real)) {
            for (Path p : s) {
                Matcher m = ENTRY.matcher(p.getFileName().toString());
                if (!m.matches()) continue; // metadata beside the layers (the image's config)
                Path target = p.toRealPath();
                String file = target.getFileName().toString();
                boolean stored = target.getParent().equals(layerStore) && ID.matcher(file).matches();
                // A version that is one tree, of the same base, as the bottom of the versions base update made on it.
                boolean tree = target.getParent().equals(real.getParent()) && BaseStore.VERSION.matcher(file).matches() && !isStack(target);
                if (!(stored || tree) || !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(p + " is neither a layer in " + layerStore + " nor a version of its base that is one tree");
                }
                byIndex.put(Integer.parseInt(m.group(1)), target);
            }
        }
        if (byIndex.size() > MAX_DEPTH || byIndex.lastKey() != byIndex.size() - 1) {
            throw new IOException(real + " is not a stack of layers layer@0 to layer@" + (byIndex.size() - 1));
        }
        List<Path> out = new ArrayList<>(byIndex.values());
        java.util.Collections.reverse(out);
        return out;
    }

    /** The layers of several base directories, topmost first: each expanded by {@link #of}. */
    public static List<Path> of(List<Path> bases) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path b : bases) out.addAll(of(b));
        return out;
    }

    /** The layer ids of a stack, bottom first; empty for a full tree. */
    public static List<String> ids(Path version) throws IOException {
        if (!isStack(version)) return List.of();
        List<String> out = new ArrayList<>();
        for (Path l : of(version)) out.add(0, l.getFileName().toString());
        return out;
    }

    /**
     * Writes {@code ids} (bottom first) into the new, empty version directory {@code version}: each a layer's id, or
     * vN, a version of the same base that is one tree (the bottom of a stack that base update made on such a base).
     */
    public static void writeStack(Path version, List<String> ids) throws IOException {
        if (ids.isEmpty() || ids.size() > MAX_DEPTH) throw new IOException("a stack has 1 to " + MAX_DEPTH + " layers, not " + ids.size());
        Files.createDirectories(version);
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            Path target;
            if (BaseStore.VERSION.matcher(id).matches()) {
                target = Path.of("..", id);
            } else {
                dir(Path.of("/"), id); // checks the id
                target = Path.of("../../../layers").resolve(id);
            }
            Files.createSymbolicLink(version.resolve(PREFIX + i), target);
        }
    }

    /** The tree versions (vN) of its own base that a stack has as a layer; empty for a tree. */
    public static List<String> treesBelow(Path version) throws IOException {
        return ids(version).stream().filter(id -> BaseStore.VERSION.matcher(id).matches()).toList();
    }

    /** The bytes a version's files hold: its layers' (each counted in every version that stacks it). */
    public static long size(Path version) throws IOException {
        long size = 0;
        for (Path l : of(version)) size += Sizes.of(l);
        return size;
    }

    /** ROOT for a version directory ROOT/.jspawn/bases/NAME/vN. */
    static Path imageRootOf(Path version) {
        Path p = version.getParent(); // NAME
        for (int i = 0; i < 3 && p != null; i++) p = p.getParent(); // bases, .jspawn, ROOT
        if (p == null) throw new IllegalArgumentException(version + " is not in an image root's store");
        return p;
    }

    /** The ids of the layers any version of any base in the image root stacks. */
    public static Set<String> used(Path imageRoot) throws IOException {
        Set<String> out = new HashSet<>();
        Path bases = imageRoot.resolve(BaseStore.STORE);
        if (!Files.isDirectory(bases, LinkOption.NOFOLLOW_LINKS)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(bases)) {
            for (Path base : s) {
                if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) continue;
                try (DirectoryStream<Path> vs = Files.newDirectoryStream(base)) {
                    for (Path v : vs) {
                        // Partial versions too: a pull or update at work holds its layers until it commits or goes.
                        if (isStack(v)) {
                            try (DirectoryStream<Path> ls = Files.newDirectoryStream(v, PREFIX + "*")) {
                                for (Path l : ls) {
                                    if (Files.isSymbolicLink(l)) out.add(Files.readSymbolicLink(l).getFileName().toString());
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The layers in the store (complete ones, not those being unpacked), by id. */
    public static List<String> stored(Path imageRoot) throws IOException {
        List<String> out = new ArrayList<>();
        Path store = store(imageRoot);
        if (!Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(store)) {
            for (Path p : s) {
                if (ID.matcher(p.getFileName().toString()).matches()) out.add(p.getFileName().toString());
            }
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** The layer {@code id}, if it is in the store. */
    public static Optional<Path> find(Path imageRoot, String id) {
        Path d = dir(imageRoot, id);
        return Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) ? Optional.of(d) : Optional.empty();
    }
}
