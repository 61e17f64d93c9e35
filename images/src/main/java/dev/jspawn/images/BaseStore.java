package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jspawn.config.Values;

/**
 * Versions of base images, so that updating a base never touches a lower layer a running child
 * has mounted. Versions are full trees in {@code ROOT/.jspawn/bases/NAME/vN}; {@code ROOT/NAME},
 * the path children name in lowerdir=, is a symlink to the current one, replaced atomically. The
 * kernel resolves it when an overlay is mounted, so a running child keeps its version until it
 * remounts. A plain base directory (as the how-to makes) is adopted as v1 by a rename: its
 * contents are not touched.
 */
public final class BaseStore {

    public static final String STORE = ".jspawn/bases";
    static final Pattern VERSION = Pattern.compile("v(\\d+)");
    /** Files almost every base has and a child rarely rewrites: used to tell which version a mounted child sees. */
    static final List<String> PROBES = List.of("usr/lib/os-release", "etc/os-release", "usr/bin/ls", "bin/ls", "usr/bin/env",
            "usr/lib/systemd/systemd", "etc/debian_version", "etc/hostname");

    public record Version(int number, Path dir, boolean current) {
        public String label() {
            return "v" + number;
        }
    }

    private final Path root;

    /** A base's name, which must be one directory name that an overlay's mount options can hold (Values.fileName); else why not. */
    public static String validName(String name) throws BaseFailure {
        try {
            return Values.fileName(name);
        } catch (Values.Invalid e) {
            throw new BaseFailure(e.getMessage());
        }
    }

    public BaseStore(Path root) {
        this.root = root;
    }

    public Path link(String name) {
        return root.resolve(name);
    }

    public Path store(String name) {
        return root.resolve(STORE).resolve(name);
    }

    public boolean isVersioned(String name) {
        return Files.isSymbolicLink(link(name)) && Files.isDirectory(store(name));
    }

    /** Every version, oldest first; empty for a plain directory or a missing base. */
    public List<Version> versions(String name) throws IOException {
        List<Version> out = new ArrayList<>();
        if (!Files.isDirectory(store(name), LinkOption.NOFOLLOW_LINKS)) return out;
        Optional<Path> current = current(name);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(store(name))) {
            for (Path p : s) {
                Matcher m = VERSION.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new Version(Integer.parseInt(m.group(1)), p, current.isPresent() && current.get().equals(p)));
                }
            }
        }
        out.sort(Comparator.comparingInt(Version::number));
        return out;
    }

    /**
     * The current version's directory (the symlink's target), or the plain directory itself; empty for
     * a missing base, and also when the link names a version that is gone (see {@link #missing}).
     */
    public Optional<Path> current(String name) throws IOException {
        Path link = link(name);
        if (Files.isSymbolicLink(link)) {
            Path target = target(name);
            return Files.isDirectory(target) ? Optional.of(target) : Optional.empty();
        }
        return Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS) ? Optional.of(link) : Optional.empty();
    }

    private Path target(String name) throws IOException {
        Path link = link(name);
        return link.resolveSibling(Files.readSymbolicLink(link)).normalize();
    }

    /**
     * A base whose current version is gone: {@code ROOT/NAME} is a symlink to a directory that no longer
     * exists (a version deleted by hand, say), or there is no {@code ROOT/NAME} at all while the store
     * still holds versions (the link deleted, or an adoption cut short). No version is current then, so
     * nothing may assume one: gc removes nothing, update refuses, and rollback makes {@code fallback}
     * current.
     *
     * @param what     "current version v2" (or the link's target, if it is no version), or "current link ROOT/NAME"
     * @param fallback what rollback makes current: the newest version below the missing one, or the
     *                 newest there is if none is below it (or the missing one is no version)
     */
    public record Missing(String base, String what, Optional<Version> fallback) {
        /** The reason and the fix, in one line. */
        public String reason() {
            return base + "'s " + what + " is missing; " + fallback
                    .map(v -> "make " + v.label() + " current with 'jspawn base rollback " + base + "'")
                    .orElse("no version of it is left: delete what remains with 'jspawn base remove " + base + "'");
        }
    }

    /** The base's current version is gone (see {@link Missing}), or empty: it has one, or is a plain directory, or no base at all. */
    public Optional<Missing> missing(String name) throws IOException {
        Path link = link(name);
        List<Version> versions = versions(name);
        String what;
        int below = Integer.MAX_VALUE;
        if (Files.isSymbolicLink(link)) {
            Path target = target(name);
            if (Files.isDirectory(target)) return Optional.empty();
            Matcher m = VERSION.matcher(target.getFileName() == null ? "" : target.getFileName().toString());
            if (m.matches() && store(name).toAbsolutePath().normalize().equals(target.toAbsolutePath().getParent())) {
                below = Integer.parseInt(m.group(1));
                what = "current version v" + m.group(1);
            } else {
                what = "current version " + target;
            }
        } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) || versions.isEmpty()) {
            return Optional.empty();
        } else {
            what = "current link " + link;
        }
        int limit = below;
        Optional<Version> fallback = versions.stream().filter(v -> v.number() < limit).reduce((a, b) -> b);
        if (fallback.isEmpty() && !versions.isEmpty()) fallback = Optional.of(versions.get(versions.size() - 1));
        return Optional.of(new Missing(name, what, fallback));
    }

    /** Whether there is a base {@code name} at all: a plain directory, a current link (even one whose version is gone), or versions. */
    public boolean exists(String name) throws IOException {
        return current(name).isPresent() || Files.isSymbolicLink(link(name)) || !versions(name).isEmpty();
    }

    /**
     * A store directory with no version in it and no {@code ROOT/NAME} beside it (what a failed create
     * used to leave): no base at all, only a directory to delete.
     */
    public boolean isLeftover(String name) throws IOException {
        return Files.isDirectory(store(name), LinkOption.NOFOLLOW_LINKS) && versions(name).isEmpty()
                && !Files.exists(link(name), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Makes {@code name} versioned: a plain directory becomes v1 (one rename, then the symlink). If a
     * previous run stopped between the two, the symlink is made to the newest version.
     */
    public void adopt(String name) throws IOException {
        Path link = link(name);
        if (isVersioned(name)) return;
        if (Files.isSymbolicLink(link)) throw new IOException(link + " is a symlink jspawn did not make; not touching it");
        Files.createDirectories(store(name));
        if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
            if (!versions(name).isEmpty()) throw new IOException(link + " is a directory, but " + store(name) + " holds versions too");
            Files.move(link, store(name).resolve("v1"), StandardCopyOption.ATOMIC_MOVE);
        }
        List<Version> versions = versions(name);
        if (versions.isEmpty()) throw new IOException("no base " + name + " in " + root);
        point(name, versions.get(versions.size() - 1));
    }

    /** A new version's directory, filled by {@code fill} (e.g. a copy of the current one), not yet current. */
    public Path prepare(String name) throws IOException {
        List<Version> versions = versions(name);
        int next = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).number() + 1;
        Path partial = store(name).resolve("v" + next + ".partial");
        Trees.deleteIfExists(partial); // left by an interrupted run
        Files.createDirectories(store(name));
        return partial;
    }

    /** Renames a prepared version into place and makes it current. */
    public Version commit(String name, Path partial) throws IOException {
        String file = partial.getFileName().toString();
        Path dir = partial.resolveSibling(file.substring(0, file.length() - ".partial".length()));
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        Version v = new Version(Integer.parseInt(dir.getFileName().toString().substring(1)), dir, true);
        point(name, v);
        return v;
    }

    /**
     * Makes the version before the current one current again; if the current one is gone (see
     * {@link Missing}), makes its fallback current.
     */
    public Version rollback(String name) throws IOException {
        Optional<Missing> missing = missing(name);
        if (missing.isPresent()) {
            Version to = missing.get().fallback().orElseThrow(() -> new IOException(missing.get().reason()));
            point(name, to);
            return new Version(to.number(), to.dir(), true);
        }
        List<Version> versions = versions(name);
        Version current = versions.stream().filter(Version::current).findFirst()
                .orElseThrow(() -> new IOException("base " + name + " has no versions"));
        Version previous = versions.stream().filter(v -> v.number() < current.number()).reduce((a, b) -> b)
                .orElseThrow(() -> new IOException("base " + name + " has no version before " + current.label()));
        point(name, previous);
        return new Version(previous.number(), previous.dir(), true);
    }

    /** Replaces the symlink atomically (a new link under a temporary name, renamed over the old one). */
    private void point(String name, Version v) throws IOException {
        Path link = link(name);
        Path tmp = link.resolveSibling("." + name + ".jspawn-link");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, root.relativize(v.dir()));
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The versions a child mounted at {@code where} (upper dir {@code upper}, null for an overlay with
     * none) may be using: the one whose probe file has the inode the child sees, or, if no probe tells,
     * all of them.
     */
    public Set<Integer> usedBy(String name, Path where, Path upper) throws IOException {
        List<Version> versions = versions(name);
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
            for (Version v : versions) {
                try {
                    if (seen.equals(Files.getAttribute(v.dir().resolve(probe), "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
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
        List<Version> versions = versions(name);
        Optional<String> noCurrent = Optional.empty();
        if (versions.stream().noneMatch(Version::current)) {
            Optional<Missing> missing = missing(name);
            noCurrent = Optional.of(missing.isPresent() ? missing.get().reason()
                    : link(name) + " is not a link to one of its versions; not touching them");
        }
        List<Verdict> out = new ArrayList<>();
        for (Version v : versions) {
            String kept = v.current() ? "current"
                    : noCurrent.isPresent() ? noCurrent.get()
                    : versions.size() == 1 ? "the only version left"
                    : users.containsKey(v.number()) ? "used by " + String.join(", ", users.get(v.number()))
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

    /** Where a base being removed goes before it is deleted: outside the store, so that nothing of it is taken for a base or a version. */
    public static final String REMOVING = ".jspawn/removing";

    /** What is left of an earlier removal of {@code name} that was killed, if anything. */
    public Path removing(String name) {
        return root.resolve(REMOVING).resolve(name);
    }

    /**
     * Deletes base {@code name} whole: its current link (or its plain directory), every version and its
     * store directory. The link goes first, so that no child can mount it any more; the directories are
     * then renamed into {@link #removing} and deleted from there, so that a run killed half-way leaves
     * nothing that looks like a base or a version, and the next removal of the name finishes the job.
     * Symlinks are removed, never followed. The caller holds the base's lock and has made sure that
     * nothing uses it.
     */
    public void delete(String name) throws IOException {
        Path link = link(name), store = store(name), trash = removing(name);
        Trees.deleteIfExists(trash); // left by a removal that was killed
        if (Files.isSymbolicLink(link)) {
            Files.delete(link);
        } else if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(trash);
            Files.move(link, trash.resolve("plain"), StandardCopyOption.ATOMIC_MOVE);
        }
        if (Files.exists(store, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(trash);
            Files.move(store, trash.resolve("versions"), StandardCopyOption.ATOMIC_MOVE);
        }
        Trees.deleteIfExists(trash);
        try {
            Files.deleteIfExists(trash.getParent());
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // another base's removal is under way
        }
    }
}
