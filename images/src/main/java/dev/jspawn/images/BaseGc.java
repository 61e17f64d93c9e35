package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.jspawn.images.BaseStore.Missing;
import dev.jspawn.images.BaseStore.Version;

/** Base gc's rule, which versions of a base may go and which stay (and why), and removing a version that may go. */
public final class BaseGc {

    private final BaseStore store;

    public BaseGc(Path imageRoot) {
        this.store = new BaseStore(imageRoot);
    }

    /** What gc may do with one version: remove it ({@code kept} empty), or keep it, and why. */
    public record Verdict(Version version, Optional<String> kept) {
    }

    /**
     * The one rule of gc, for each version of {@code name}, oldest first. A version stays if it is the
     * one the current link names, if it is the last one left, if {@code users} has it (version number to
     * who uses it: a child that names it, an overlay that has it mounted), or if no version is current at
     * all: the link then names one that is gone (see {@link Missing}) or none of them, and what is left
     * is all there is to make current again.
     */
    public List<Verdict> collect(String name, Map<Integer, List<String>> users) throws IOException {
        List<Version> versions = store.versions(name);
        Optional<String> noCurrent = Optional.empty();
        if (versions.stream().noneMatch(Version::current)) {
            Optional<Missing> missing = store.missing(name);
            noCurrent = Optional.of(missing.isPresent() ? missing.get().reason()
                    : store.link(name) + " is not a link to one of its versions; not touching them");
        }
        // A version that is one tree is the bottom layer of the versions base update stacked on it.
        Map<String, List<String>> stackedBy = new TreeMap<>();
        for (Version v : versions) {
            try {
                for (String t : Layers.treesBelow(v.dir())) stackedBy.computeIfAbsent(t, k -> new ArrayList<>()).add(v.label());
            } catch (IOException e) {
                // a damaged stack names nothing it could keep
            }
        }
        List<Verdict> out = new ArrayList<>();
        for (Version v : versions) {
            String kept = v.current() ? "current"
                    : noCurrent.isPresent() ? noCurrent.get()
                    : versions.size() == 1 ? "the only version left"
                    : users.containsKey(v.number()) ? "used by " + String.join(", ", users.get(v.number()))
                    : stackedBy.containsKey(v.label()) ? "the bottom layer of " + String.join(", ", stackedBy.get(v.label()))
                    : null;
            out.add(new Verdict(v, Optional.ofNullable(kept)));
        }
        return out;
    }

    /** Deletes a version that {@link #collect} lets go, given the versions in use; false if it must stay. */
    public boolean remove(String name, Version v, Set<Integer> inUse) throws IOException {
        Map<Integer, List<String>> users = new TreeMap<>();
        inUse.forEach(n -> users.put(n, List.of("a mounted child")));
        Optional<Verdict> verdict = collect(name, users).stream().filter(x -> x.version().number() == v.number()).findFirst();
        if (verdict.isEmpty() || verdict.get().kept().isPresent()) return false;
        Path dir = verdict.get().version().dir();
        Path doomed = dir.resolveSibling(v.label() + ".removing");
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE); // no longer a version, even if deleting stops half-way
        Trees.deleteTree(doomed);
        return true;
    }

    /** A layer gc removed: its id and the bytes its files held. */
    public record RemovedLayer(String id, long size) {
    }

    /**
     * Removes the layers of the image root's layer store that no version of any base stacks (partial ones too:
     * under the layer store's lock, which every pull holds while it adds layers, one found is left by a pull that
     * died). Each goes by a rename first, so a gc killed half-way leaves no layer half there under its id.
     */
    public static List<RemovedLayer> removeUnusedLayers(Path imageRoot, Path lockDir, Locks.Policy policy) throws IOException {
        List<RemovedLayer> out = new ArrayList<>();
        Path store = Layers.store(imageRoot);
        if (!Files.isDirectory(store, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return out;
        try (var lock = Locks.layers(lockDir, imageRoot, policy)) {
            Set<String> used = Layers.used(imageRoot);
            List<Path> entries;
            try (var s = Files.list(store)) {
                entries = s.sorted().toList();
            }
            for (Path p : entries) {
                String file = p.getFileName().toString();
                String id = file.endsWith(".partial") ? file.substring(0, file.length() - 8) : file.endsWith(".removing") ? file.substring(0, file.length() - 9) : file;
                if (!Layers.ID.matcher(id).matches() || (file.equals(id) && used.contains(id))) continue;
                long size = Sizes.of(p);
                Path doomed = file.equals(id) ? p.resolveSibling(id + ".removing") : p;
                if (!doomed.equals(p)) Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
                Trees.deleteTree(doomed);
                if (file.equals(id)) out.add(new RemovedLayer(id, size));
            }
        }
        return out;
    }
}
