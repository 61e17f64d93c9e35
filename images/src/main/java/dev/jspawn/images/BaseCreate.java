package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A new base as the how-to makes one: with debootstrap (by default of the host's Debian/Ubuntu suite, from
 * its apt mirror), pacstrap, a root tarball or a copy of a directory; then set up as the how-to does
 * ({@link BaseSetup}), and made version v1 of IMAGE_ROOT/NAME. One that fails leaves nothing behind.
 */
public final class BaseCreate {

    /**
     * Where the tree comes from: debootstrap of {@code suite} (null: the host's) from {@code mirror} (null: the
     * host's), unless {@code pacstrap}, a tarball {@code tar} or a directory {@code dir} is given (at most one).
     */
    public record Source(String suite, boolean pacstrap, Path tar, Path dir, String mirror) {
    }

    /** Root's password for the base, read once the source has been checked, before the long part begins. */
    @FunctionalInterface
    public interface Password {
        String read() throws IOException;
    }

    private final Path imageRoot;
    private final Path lockDir;
    private final Locks.Policy locks;
    private final BaseTools tools;
    private final PrintWriter out;

    /**
     * @param lockDir where the bases' locks are (see {@link Locks})
     * @param out     where the steps are told
     */
    public BaseCreate(Path imageRoot, Path lockDir, Locks.Policy locks, BaseTools tools, PrintWriter out) {
        this.imageRoot = imageRoot;
        this.lockDir = lockDir;
        this.locks = locks;
        this.tools = tools;
        this.out = out;
    }

    /**
     * Makes base {@code name} from {@code source}, with systemd-networkd enabled if {@code networkd}, and root's
     * password set if {@code password} is not null (else root stays locked).
     */
    public BaseStore.Version run(String name, Source source, boolean networkd, Password password) throws IOException {
        BaseStore.validName(name);
        BaseStore store = new BaseStore(imageRoot);
        try (var lock = Locks.base(lockDir, imageRoot, name, true, locks)) {
            return create(store, name, source, networkd, password);
        }
    }

    private BaseStore.Version create(BaseStore store, String name, Source source, boolean networkd, Password password) throws IOException {
        if (store.exists(name)) throw new BaseFailure("base " + name + " already exists in " + imageRoot);
        checkSource(source);
        String secret = password == null ? null : password.read(); // before the long debootstrap
        List<Path> made = absentDirs(store, name);
        Path partial = store.prepare(name);
        try {
            fill(partial, source);
            step("Setting up " + name + " as the how-to does");
            BaseSetup setup = new BaseSetup(tools, out);
            setup.apply(partial, networkd);
            if (secret != null) setup.rootPassword(partial, secret);
            return store.commit(name, partial);
        } catch (RuntimeException | IOException e) {
            discard(partial, made); // nothing was created: not even the directories to hold it
            throw e;
        }
    }

    /** The source is there, is no directory of the host's or of the image root, and fits: checked before anything is made. */
    private void checkSource(Source source) throws IOException {
        if (source.tar() != null && !Files.isRegularFile(source.tar())) throw new BaseFailure("no file " + source.tar());
        if (source.dir() != null) {
            if (!Files.isDirectory(source.dir())) throw new BaseFailure("no directory " + source.dir());
            BaseSource.checkCopy(imageRoot, source.dir());
            for (Path l : Layers.of(source.dir())) BaseSource.checkSpace(imageRoot, l);
        }
    }

    private void fill(Path partial, Source source) throws IOException {
        List<String> cmd;
        if (source.tar() != null) {
            Files.createDirectories(partial);
            step("Unpacking " + source.tar());
            cmd = List.of("tar", "--extract", "--file=" + source.tar(), "--directory=" + partial, "--same-owner", "--preserve-permissions",
                    "--xattrs", "--xattrs-include=*", "--numeric-owner");
        } else if (source.dir() != null && Layers.of(source.dir()).size() > 1) {
            // A version that is a stack: its merged tree, as a child sees it, through a read-only overlay of its layers.
            List<Path> layers = Layers.of(source.dir());
            step("Copying " + source.dir().toRealPath() + " (" + layers.size() + " layers, merged)");
            Path mnt = partial.resolveSibling(partial.getFileName() + ".mnt");
            Files.createDirectories(mnt);
            Files.createDirectories(partial);
            StringBuilder lower = new StringBuilder();
            for (Path l : layers) lower.append(lower.length() == 0 ? "" : ":").append(l);
            try {
                int status = tools.run(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                        "mount -t overlay overlay -o \"$1\" \"$2\" && exec cp -a --one-file-system --reflink=auto \"$2\"/. \"$3\"/", "sh",
                        "ro,lowerdir=" + lower, mnt.toString(), partial.toString()));
                if (status != 0) throw new BaseFailure("copying the layers of " + source.dir() + " failed (exit status " + status + "); nothing was created");
            } finally {
                Files.deleteIfExists(mnt);
            }
            if (!isOsTree(partial)) throw new BaseFailure("the result has no /usr/lib/os-release or /etc/os-release: not an OS tree; nothing was created");
            return;
        } else if (source.dir() != null) {
            // A versioned base is a symlink: copy what it points at (a one-layer stack: its layer).
            Path from = Layers.of(source.dir()).get(0);
            step("Copying " + from);
            cmd = List.of("cp", "-a", "--one-file-system", "--reflink=auto", from.toString(), partial.toString()); // never into other mounts
        } else if (source.pacstrap()) {
            Files.createDirectories(partial);
            step("pacstrap (this takes a while; its progress follows)");
            cmd = List.of("pacstrap", "-c", partial.toString(), "base");
        } else {
            String suite = source.suite() != null ? source.suite() : hostSuite();
            String url = source.mirror() != null ? source.mirror() : hostMirror();
            step("debootstrap " + suite + " from " + url + " (about a minute; its progress follows)");
            cmd = List.of("debootstrap", "--variant=minbase", "--include=systemd,dbus,systemd-sysv", suite, partial.toString(), url);
        }
        int status = source.dir() != null ? tools.copy(cmd, Layers.of(source.dir()).get(0), partial) : tools.run(cmd);
        if (status != 0) throw new BaseFailure(cmd.get(0) + " failed (exit status " + status + "); nothing was created");
        if (!isOsTree(partial)) throw new BaseFailure("the result has no /usr/lib/os-release or /etc/os-release: not an OS tree; nothing was created");
    }

    static boolean isOsTree(Path dir) {
        return Files.exists(dir.resolve("usr/lib/os-release"), LinkOption.NOFOLLOW_LINKS) || Files.exists(dir.resolve("etc/os-release"), LinkOption.NOFOLLOW_LINKS);
    }

    private void step(String what) {
        out.println("==> " + what);
        out.flush();
    }

    /** The directories {@link BaseStore#prepare} would make for {@code name} that do not exist yet, deepest first. */
    private static List<Path> absentDirs(BaseStore store, String name) {
        List<Path> out = new ArrayList<>();
        for (Path p = store.store(name); p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) out.add(p);
        return out;
    }

    /**
     * Undoes a {@link BaseStore#prepare} whose version will not be committed: deletes the prepared directory,
     * then each of {@code made} (what {@link #absentDirs} gave before it) that is still empty, so that a
     * base that was never made leaves nothing behind, and nothing that was there before goes.
     */
    private static void discard(Path partial, List<Path> made) throws IOException {
        Trees.deleteIfExists(partial);
        for (Path dir : made) {
            try {
                Files.deleteIfExists(dir);
            } catch (DirectoryNotEmptyException e) {
                return; // something else is in it now: it and what is above it stay
            }
        }
    }

    static String hostSuite() throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
            if (line.startsWith("VERSION_CODENAME=") && line.length() > 17) return line.substring(17).replace("\"", "");
        }
        throw new BaseFailure("cannot tell the host's suite from /etc/os-release; pass --suite");
    }

    /** The first Debian/Ubuntu mirror of the host's apt configuration (deb822 .sources, then sources.list). */
    static String hostMirror() throws IOException {
        Path dir = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.sources")) {
                for (Path f : s) {
                    for (String line : Files.readAllLines(f)) {
                        if (line.startsWith("URIs:") && !line.contains("security")) return line.substring(5).trim().split("\\s+")[0];
                    }
                }
            }
        }
        Path list = Path.of("/etc/apt/sources.list");
        if (Files.isRegularFile(list)) {
            for (String line : Files.readAllLines(list)) {
                String l = line.replaceAll("\\[[^]]*\\]", "").trim();
                if (l.startsWith("deb ") && !l.contains("security")) return l.split("\\s+")[1];
            }
        }
        throw new BaseFailure("no apt mirror found in /etc/apt; pass --mirror");
    }
}
