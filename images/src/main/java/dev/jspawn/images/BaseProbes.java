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
     * The versions a child mounted at {@code where} (upper dir {@code upper}, null for an overlay with
     * none) may be using: the one whose probe file has the inode the child sees, or, if no probe tells,
     * all of them.
     */
    public Set<Integer> usedBy(String name, Path where, Path upper) throws IOException {
        List<BaseStore.Version> versions = store.versions(name);
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
            for (BaseStore.Version v : versions) {
                Optional<Path> file = find(v.dir(), Path.of(probe));
                try {
                    if (file.isPresent() && seen.equals(Files.getAttribute(file.get(), "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                        return Set.of(v.number());
                    }
                } catch (IOException e) {
                    // this version lacks the probe
                }
            }
        }
        Set<Integer> all = new TreeSet<>();
        versions.forEach(v -> all.add(v.number()));
        return all;
    }
}
