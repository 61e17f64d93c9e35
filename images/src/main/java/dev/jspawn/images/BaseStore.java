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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jspawn.config.Bases;
import dev.jspawn.config.Values;

/**
 * Versions of base images, so that updating a base never touches a lower layer a running child
 * has mounted. Versions are full trees in {@code ROOT/.jspawn/bases/NAME/vN}; {@code ROOT/NAME},
 * the path children name in lowerdir=, is a symlink to the current one, replaced atomically. The
 * kernel resolves it when an overlay is mounted, so a running child keeps its version until it
 * remounts. A plain base directory (as the how-to makes) is adopted as v1 by a rename: its
 * contents are not touched.
 *
 * <p>Which versions gc may remove is {@link BaseGc}'s to say, which version a mounted child sees
 * {@link BaseProbes}', and removing a base whole is {@link BaseRemoval}'s.
 */
public final class BaseStore {

    public static final String STORE = Bases.VERSION_STORE;
    static final Pattern VERSION = Pattern.compile("v(\\d+)");

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
        return commit(name, partial, true);
    }

    /** Renames a prepared version into place, and makes it current if {@code makeCurrent} (a rollout does that once it is done). */
    public Version commit(String name, Path partial, boolean makeCurrent) throws IOException {
        String file = partial.getFileName().toString();
        Path dir = partial.resolveSibling(file.substring(0, file.length() - ".partial".length()));
        Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        Version v = new Version(Integer.parseInt(dir.getFileName().toString().substring(1)), dir, makeCurrent);
        if (makeCurrent) point(name, v);
        return v;
    }

    /** Makes version {@code number} current (what a rollout does once every child is healthy on it). */
    public Version makeCurrent(String name, int number) throws IOException {
        Version v = versions(name).stream().filter(x -> x.number() == number).findFirst()
                .orElseThrow(() -> new IOException("base " + name + " has no version v" + number));
        point(name, v);
        return new Version(v.number(), v.dir(), true);
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
}
