package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a child's last MountLayers prepared, written down so that the next start can do it again without the helper
 * (units/jspawn-prepare.sh, which jspawn-dirs@NAME.service runs): a cold start then does not wait for a JVM before
 * systemd-nspawn can start.
 *
 * <p>The file ({@value dev.jspawn.generator.HelperContract#PREPARED_FILE}, beside the service's environment) holds
 * what the preparation was asked (MountLayers' arguments), what it read and what it did:
 * <ul>
 * <li>the state of each file its decisions came from, as {@code stat} prints it: the image root, the upper and
 * work dirs, the files it wrote, each version directory it mounted (a plain directory base that its first update moved
 * into the store, leaving a link of the same name, is no longer the same entry) and the views' mount points before
 * they were mounted (so that a view left mounted there shows), with {@value #IDENTITY} (which changes when one is replaced, re-owned or re-moded, not when the
 * guest writes into its root), and the host's resolv.conf and resolved's, with {@value #CONTENT} through links
 * (which changes with their content);</li>
 * <li>the free space a start needs;</li>
 * <li>for each base, the version it mounted (the base's link must still name that very directory), the file a
 * rollout would pin the child with (which must still be absent), and the layers it mounted: the version's tree, or
 * each layer of its stack with the directory its clone went to and the options of the read-only overlay of the
 * clones (each layer and each of those directories is in the identity group too);</li>
 * <li>the idmapping of the views, and the owner each view's root showed once mounted;</li>
 * <li>what it said.</li>
 * </ul>
 * jspawn-prepare mounts the views again, with mount(8), only when every one of those still holds, and otherwise
 * asks the helper, which removes the file first and writes it again once it has prepared the overlay. So a base
 * update, a rollout's pin, a conversion to another range, a changed file, a missing environment or a full disk
 * each send the start to the helper, which decides afresh. Only a child that is not pinned is written down. An idmapped
 * view is mounted by mount(8) where it can idmap (util-linux 2.39 and later: {@code X-mount.idmap=}), elsewhere by
 * units/jspawn-bind-idmapped.pl, with the helper's system calls.
 */
final class Prepared {

    static final String HEADER = "jspawn-prepared 2";
    /** stat's format for what must stay the same file with the same owner and mode (not following a symlink). */
    static final String IDENTITY = "%d %i %u %g %f";
    /** stat -L's format for what must keep its content. */
    static final String CONTENT = "%d %i %s %.9Y %.9Z";

    private Prepared() {
    }

    /**
     * One base's view: the version directory mounted (its real path), the rollout pin that must stay absent, the layers
     * (the version's own tree, or its stack, topmost first: their real paths), for a stack the directory each layer's
     * clone goes to and the options of the read-only overlay of them, and what stat -c "%u %g" printed for the view's
     * root once mounted.
     */
    record View(Path version, Path pin, List<Path> layers, List<Path> clones, String overlayOptions, String owner) {
        View {
            layers = List.copyOf(layers);
            clones = List.copyOf(clones);
            boolean tree = layers.size() == 1 && clones.isEmpty() && overlayOptions.isEmpty();
            boolean stack = layers.size() >= 2 && clones.size() == layers.size() && !overlayOptions.isEmpty();
            if (!tree && !stack) {
                throw new IllegalArgumentException("a tree, or a stack with a clone of each layer and its overlay's options");
            }
        }
    }

    /**
     * Files as stat printed them when they were taken (each line, or empty where stat prints none): the content files
     * before the preparation reads them, the views' mount points before they are mounted, the rest once all is done. A
     * change after that sends the next start to the helper, never past it.
     */
    record Stats(List<Path> paths, List<Optional<String>> lines) {
        static Stats identity(List<Path> paths) {
            return new Stats(List.copyOf(paths), paths.stream().map(Prepared::identityLine).toList());
        }

        static Stats content(List<Path> paths) {
            return new Stats(List.copyOf(paths), paths.stream().map(Prepared::contentLine).toList());
        }

        Stats plus(Stats more) {
            List<Path> p = new ArrayList<>(paths);
            p.addAll(more.paths);
            List<Optional<String>> l = new ArrayList<>(lines);
            l.addAll(more.lines);
            return new Stats(p, l);
        }

        List<String> printed() {
            return lines.stream().flatMap(Optional::stream).toList();
        }
    }

    /** What stat -L -c CONTENT prints for {@code p}, or empty where it prints nothing (a missing file, a dangling link). */
    static Optional<String> contentLine(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime");
            return Optional.of(a.get("dev") + " " + a.get("ino") + " " + a.get("size") + " " + seconds((FileTime) a.get("lastModifiedTime")) + " "
                    + seconds((FileTime) a.get("ctime")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** What stat -c IDENTITY prints for {@code p} (its own entry, a symlink not followed), or empty where it prints nothing. */
    static Optional<String> identityLine(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(a.get("dev") + " " + a.get("ino") + " " + a.get("uid") + " " + a.get("gid") + " "
                    + Integer.toHexString((Integer) a.get("mode")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static String seconds(FileTime t) {
        Instant i = t.toInstant();
        return i.getEpochSecond() + "." + String.format("%09d", i.getNano());
    }

    /**
     * The file's text, or empty when this preparation cannot be done again by jspawn-prepare: a value holds a newline
     * (the file is read a line at a time), or what the preparation left does not match what it decided (the image
     * root, upper or work dir changed under it), which only the helper may then judge.
     *
     * @param args MountLayers' arguments, as the unit passes them
     * @param identity the image root, the upper dir and the work dir (in that order), then the rest
     * @param start the range's first UID, 0 for none
     */
    static Optional<String> text(List<String> args, Stats identity, Stats content, long minFree, long start, List<View> views, String note) {
        if (identity.lines().size() < 3 || identity.lines().subList(0, 3).stream().anyMatch(Optional::isEmpty)) return Optional.empty();
        if (!prepared(identity.printed(), start)) return Optional.empty();
        Lines b = new Lines();
        b.line(HEADER);
        b.counted(args);
        b.counted(identity.paths().stream().map(Path::toString).toList());
        b.counted(identity.printed());
        b.counted(content.paths().stream().map(Path::toString).toList());
        b.counted(content.printed());
        b.line(Long.toString(minFree));
        b.line(start > 0 ? "0:" + start + ":" + dev.jspawn.images.UidRanges.SIZE : "");
        for (View v : views) {
            b.line(v.version().toString());
            b.line(v.pin().toString());
            b.line(v.owner());
            b.counted(v.layers().stream().map(Path::toString).toList());
            b.counted(v.clones().stream().map(Path::toString).toList());
            b.line(v.overlayOptions());
        }
        b.counted(note.lines().toList());
        return b.text();
    }

    /** One value a line, read back with read -r: a value holding a newline would shift every line after it, so none is written then. */
    private static final class Lines {
        private final StringBuilder text = new StringBuilder();
        private boolean broken;

        void line(String value) {
            if (value.indexOf('\n') >= 0) broken = true;
            text.append(value).append('\n');
        }

        void counted(List<String> values) {
            line(Integer.toString(values.size()));
            values.forEach(this::line);
        }

        Optional<String> text() {
            return broken ? Optional.empty() : Optional.of(text.toString());
        }
    }

    /**
     * Whether the image root, upper and work dirs are as the preparation left them: the image root a directory of root's
     * that no one else may enter, the upper dir a directory owned by the range's root, the work dir root's own.
     */
    static boolean prepared(List<String> identityLines, long start) {
        String[] root = identityLines.get(0).split(" "), upper = identityLines.get(1).split(" "), work = identityLines.get(2).split(" ");
        int rootMode = Integer.parseInt(root[4], 16), upperMode = Integer.parseInt(upper[4], 16), workMode = Integer.parseInt(work[4], 16);
        int dir = 0040000, type = 0170000;
        return root[2].equals("0") && (rootMode & type) == dir && (rootMode & 077) == 0
                && upper[2].equals(Long.toString(start)) && upper[3].equals(Long.toString(start)) && (upperMode & type) == dir
                && work[2].equals("0") && work[3].equals("0") && (workMode & (type | 07777)) == (dir | 0700);
    }
}
