package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which version of a base a mounted child sees. Overlayfs reports a file the child has not copied up
 * with the inode it has in the lower layer, so the version holding a file of that inode is the one the
 * child mounted.
 */
public final class BaseProbes {

    /** Files almost every base has and a child rarely rewrites: used to tell which version a mounted child sees. */
    static final List<String> PROBES = List.of("usr/lib/os-release", "etc/os-release", "usr/bin/ls", "bin/ls", "usr/bin/env",
            "usr/lib/systemd/systemd", "etc/debian_version", "etc/hostname");

    private final BaseStore store;

    public BaseProbes(Path imageRoot) {
        this.store = new BaseStore(imageRoot);
    }

    /**
     * The file at {@code rel} of a version as a child sees it: in a tree, that file; in a stack, the topmost
     * layer's entry, unless a whiteout or an opaque directory above hides it. Never through a symlink.
     */
    static Optional<Path> find(Path version, Path rel) throws IOException {
        List<Path> layers;
        try {
            layers = Layers.of(version);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (Path layer : layers) {
            if (Beneath.blocked(layer, rel)) return Optional.empty();
            Optional<Node> n = Node.stat(layer.resolve(rel));
            if (n.isPresent()) return n.get().isWhiteout() ? Optional.empty() : Optional.of(layer.resolve(rel));
            // An opaque directory or a whiteout on the way hides what lies below in the layers under it.
            for (Path dir = rel.getParent(); dir != null; dir = dir.getParent()) {
                Optional<Node> d = Node.stat(layer.resolve(dir));
                if (d.isPresent() && (d.get().isWhiteout() || d.get().overlayMark("opaque").isPresent())) return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * The version of this base that the helper recorded mounting for {@code child} (see HelperContract.VERSIONS_FILE),
     * if its record names one of {@code versions} (real directory to number). Asked only of a mounted child: the record
     * is rewritten at each mount. Versions that share layers show the same inodes, which no probe can tell apart.
     */
    static Optional<Integer> recorded(dev.jspawn.config.ContainerConfig child, java.util.Map<Path, Integer> versions) {
        Path file = Path.of(child.runDir(), dev.jspawn.generator.HelperContract.VERSIONS_FILE);
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 65536) return Optional.empty();
            for (String line : Files.readAllLines(file)) {
                Integer v = versions.get(Path.of(line));
                if (v != null) return Optional.of(v);
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // then the probes tell
        }
        return Optional.empty();
    }

    /**
     * The versions the mounted child {@code child} uses: the one the helper recorded mounting, else what the
     * probes tell of its overlay at its mount point.
     */
    public Set<Integer> usedBy(String name, dev.jspawn.config.ContainerConfig child) throws IOException {
        java.util.Map<Path, Integer> real = new java.util.HashMap<>();
        for (BaseStore.Version v : store.versions(name)) real.put(v.dir().toRealPath(), v.number());
        Optional<Integer> r = recorded(child, real);
        if (r.isPresent()) return Set.of(r.get());
        return usedBy(name, Path.of(child.where()), Path.of(child.upperDir()));
    }

    /**
     * The versions a child mounted at {@code where} (upper dir {@code upper}, null for an overlay with
     * none) may be using: those whose probe files have the inodes the child sees, or, if no probe tells,
     * all of them.
     */
    public Set<Integer> usedBy(String name, Path where, Path upper) throws IOException {
        List<BaseStore.Version> versions = store.versions(name);
        // Versions that stack the same layer show the same inode for what that layer holds: each probe narrows
        // the candidates to the versions whose file it is, and only one left tells.
        Set<Integer> candidates = new TreeSet<>();
        versions.forEach(v -> candidates.add(v.number()));
        for (String probe : PROBES) {
            // Both trees are the guest's: never look through a directory it replaced with a symlink.
            if ((upper != null && Beneath.blocked(upper, Path.of(probe))) || Beneath.blocked(where, Path.of(probe))) continue;
            if (upper != null && Node.stat(upper.resolve(probe)).isPresent()) continue; // copied up: tells nothing
            Object seen;
            try {
                seen = Files.getAttribute(where.resolve(probe), "unix:ino", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                continue;
            }
            Set<Integer> match = new TreeSet<>();
            for (BaseStore.Version v : versions) {
                Optional<Path> file = find(v.dir(), Path.of(probe));
                try {
                    if (file.isPresent() && seen.equals(Files.getAttribute(file.get(), "unix:ino", LinkOption.NOFOLLOW_LINKS))) match.add(v.number());
                } catch (IOException e) {
                    // this version lacks the probe
                }
            }
            if (match.isEmpty()) continue;
            Set<Integer> narrowed = new TreeSet<>(candidates);
            narrowed.retainAll(match);
            if (!narrowed.isEmpty()) candidates.retainAll(match);
            if (candidates.size() == 1) return candidates;
        }
        return candidates;
    }
}
