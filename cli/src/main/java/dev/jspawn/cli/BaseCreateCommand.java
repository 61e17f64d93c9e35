package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.images.BaseStore;
import dev.jspawn.images.Sizes;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "create",
        description = {"Make a base image as the how-to does: with debootstrap (default: the host's Debian/Ubuntu suite and apt mirror),"
                + " pacstrap, a root tarball or an existing directory; then the how-to's setup (locale, timezone, root login on the"
                + " container console, resolv.conf pointing at systemd-resolved where the base has it, systemd-networkd), and no identity"
                + " of its own: an empty /etc/machine-id and no /etc/hostname, so each child gets its own ID and is called by its machine name.",
                "It becomes version v1 of IMAGE_ROOT/NAME."})
final class BaseCreateCommand implements Callable<Integer> {

    @ParentCommand
    BaseCommand base;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The base's name, e.g. default-ns-1.")
    String name;

    static final class Source {
        @Option(names = "--suite", paramLabel = "SUITE", description = "debootstrap this Debian/Ubuntu suite (default: the host's).")
        String suite;

        @Option(names = "--pacstrap", description = "pacstrap an Arch Linux base (needs pacstrap, as on Arch).")
        boolean pacstrap;

        @Option(names = "--from-tar", paramLabel = "FILE", description = "Unpack a root file system tarball.")
        Path tar;

        @Option(names = "--from-dir", paramLabel = "DIR", description = "Copy an existing root directory.")
        Path dir;
    }

    @ArgGroup(exclusive = true)
    Source source = new Source();

    @Option(names = "--mirror", paramLabel = "URL", description = "The debootstrap mirror (default: the host's apt configuration).")
    String mirror;

    @Option(names = "--networkd", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Enable systemd-networkd in the base, so each guest configures its host0 link by DHCP from the host's"
                    + " systemd-networkd (default; --no-networkd leaves the guest's network to you).")
    boolean networkd;

    @Option(names = "--root-password-file", paramLabel = "FILE",
            description = "Set root's password in the base from the first line of FILE (- for standard input), so that"
                    + " machinectl login works in its children. Without it root stays locked: use machinectl shell, or set a"
                    + " child's own password with: machinectl shell MACHINE /usr/bin/passwd")
    String rootPasswordFile;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        BaseCommand.validName(name);
        BaseStore store = base.store();
        try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
            return create(store, out);
        }
    }

    private int create(BaseStore store, PrintWriter out) throws IOException {
        if (store.exists(name)) throw new UserError("base " + name + " already exists in " + base.imageRoot);
        checkSource(store);
        String password = rootPasswordFile == null ? null : readPassword(rootPasswordFile); // before the long debootstrap
        List<Path> made = store.absentDirs(name);
        Path partial = store.prepare(name);
        try {
            fill(partial, out);
            step(out, "Setting up " + name + " as the how-to does");
            Setup.apply(partial, networkd, base.context(), out);
            if (password != null) Setup.rootPassword(partial, password, base.context(), out);
            BaseStore.Version v = store.commit(name, partial);
            out.println("Created base " + name + " (" + v.label() + ", " + Sizes.human(Sizes.of(v.dir())) + ") in " + base.imageRoot
                    + ". Use it with Base=" + name + " or: jspawn create CHILD --base " + name);
        } catch (RuntimeException | IOException e) {
            store.discard(partial, made); // nothing was created: not even the directories to hold it
            throw e;
        }
        out.flush();
        return 0;
    }

    /** The source is there, is no directory of the host's or of the image root, and fits: checked before anything is made. */
    private void checkSource(BaseStore store) throws IOException {
        if (source.tar != null && !Files.isRegularFile(source.tar)) throw new UserError("no file " + source.tar);
        if (source.dir != null) {
            if (!Files.isDirectory(source.dir)) throw new UserError("no directory " + source.dir);
            store.checkSource(source.dir);
            BaseCommand.checkSpace(base.imageRoot, source.dir.toRealPath());
        }
    }

    private void fill(Path partial, PrintWriter out) throws IOException {
        List<String> cmd;
        if (source.tar != null) {
            Files.createDirectories(partial);
            step(out, "Unpacking " + source.tar);
            cmd = List.of("tar", "--extract", "--file=" + source.tar, "--directory=" + partial, "--same-owner", "--preserve-permissions",
                    "--xattrs", "--xattrs-include=*", "--numeric-owner");
        } else if (source.dir != null) {
            Path from = source.dir.toRealPath(); // a versioned base is a symlink: copy what it points at
            step(out, "Copying " + from);
            cmd = List.of("cp", "-a", "--one-file-system", "--reflink=auto", from.toString(), partial.toString()); // never into other mounts
        } else if (source.pacstrap) {
            Files.createDirectories(partial);
            step(out, "pacstrap (this takes a while; its progress follows)");
            cmd = List.of("pacstrap", "-c", partial.toString(), "base");
        } else {
            String suite = source.suite != null ? source.suite : Setup.hostSuite();
            String url = mirror != null ? mirror : Setup.hostMirror();
            step(out, "debootstrap " + suite + " from " + url + " (about a minute; its progress follows)");
            cmd = List.of("debootstrap", "--variant=minbase", "--include=systemd,dbus,systemd-sysv", suite, partial.toString(), url);
        }
        List<String> command = cmd;
        Progress.Errors errors = new Progress.Errors();
        int status = source.dir != null
                ? Progress.copy(out, "copied", source.dir.toRealPath(), partial, () -> base.context().runner().runWithErrors(command, errors))
                : base.context().runner().run(cmd);
        errors.print(spec.commandLine().getErr());
        if (status != 0) throw new UserError(cmd.get(0) + " failed (exit status " + status + "); nothing was created");
        if (!isOsTree(partial)) throw new UserError("the result has no /usr/lib/os-release or /etc/os-release: not an OS tree; nothing was created");
    }

    /** The first line of FILE, or of standard input for "-". */
    static String readPassword(String file) throws IOException {
        String text;
        if (file.equals("-")) {
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
            text = r.readLine();
        } else {
            if (!Files.isRegularFile(Path.of(file))) throw new UserError("--root-password-file: " + file + " is not a regular file");
            text = new String(dev.jspawn.syntax.ConfigFiles.read(Path.of(file)), java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElse(null);
        }
        if (text == null || text.isEmpty()) throw new UserError("--root-password-file: " + file + " holds no password (its first line is empty)");
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == 0x7f || c == ':') throw new UserError("--root-password-file: the password holds a control character or ':'");
        }
        return text;
    }

    static boolean isOsTree(Path dir) {
        return Files.exists(dir.resolve("usr/lib/os-release"), LinkOption.NOFOLLOW_LINKS) || Files.exists(dir.resolve("etc/os-release"), LinkOption.NOFOLLOW_LINKS);
    }

    static void step(PrintWriter out, String what) {
        out.println("==> " + what);
        out.flush();
    }

    /** The how-to's setup steps, each only where it applies and never overwriting what the image chose. */
    static final class Setup {
        private Setup() {
        }

        static void apply(Path root, boolean networkd, Context ctx, PrintWriter out) throws IOException {
            Identity.blank(root, out);
            Path locale = root.resolve("etc/locale.conf");
            if (!Files.exists(locale, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(locale.getParent());
                Files.writeString(locale, "LANG=C.UTF-8\n");
                out.println("    locale: LANG=C.UTF-8");
            }
            Path hostTz = Path.of("/etc/localtime");
            Path tz = root.resolve("etc/localtime");
            if (Files.isSymbolicLink(hostTz) && !Files.exists(tz, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(tz, Files.readSymbolicLink(hostTz));
                out.println("    timezone: as the host's, " + Files.readSymbolicLink(hostTz));
            }
            Path securetty = root.resolve("etc/securetty");
            if (Files.isRegularFile(securetty, LinkOption.NOFOLLOW_LINKS)) {
                List<String> lines = new ArrayList<>(Files.readAllLines(securetty));
                boolean changed = false;
                for (String tty : List.of("console", "pts/0", "pts/1", "pts/2", "pts/3")) {
                    if (!lines.contains(tty)) {
                        lines.add(tty);
                        changed = true;
                    }
                }
                if (changed) {
                    Files.write(securetty, lines);
                    out.println("    root login: allowed on the container console and pts/0-3");
                }
            }
            if (Files.exists(root.resolve("usr/lib/systemd/systemd-resolved"), LinkOption.NOFOLLOW_LINKS)) {
                Path resolv = root.resolve("etc/resolv.conf");
                Files.deleteIfExists(resolv);
                Files.createSymbolicLink(resolv, Path.of("../run/systemd/resolve/stub-resolv.conf"));
                out.println("    resolv.conf: systemd-resolved's stub");
            }
            if (networkd && !hasUnit(root, "systemd-networkd.service")) {
                out.println("    systemd-networkd: not in this tree; configure the guest's host0 link yourself (see jspawn.jspawn(5), NETWORK)");
            } else if (networkd) {
                int s = ctx.runner().run(List.of("systemctl", "--root=" + root, "enable", "systemd-networkd.service"));
                if (s != 0) throw new UserError("Failed to enable systemd-networkd in the base");
                out.println("    systemd-networkd: enabled (the guest's host0 gets its address by DHCP)");
            }
            out.flush();
        }

        /** root's password in the tree, hashed by the tree's own chpasswd (as its passwd would): never written in clear. */
        static void rootPassword(Path root, String password, Context ctx, PrintWriter out) throws IOException {
            int s = ctx.runner().run(List.of("chpasswd", "--root", root.toString()), "root:" + password + "\n");
            if (s != 0) throw new UserError("chpasswd --root " + root + " failed (exit status " + s + "); nothing was created");
            out.println("    root: password set (machinectl login works in its children)");
        }

        static boolean hasUnit(Path root, String unit) {
            for (String dir : List.of("usr/lib/systemd/system/", "lib/systemd/system/")) {
                if (Files.exists(root.resolve(dir + unit), LinkOption.NOFOLLOW_LINKS)) return true;
            }
            return false;
        }

        static String hostSuite() throws IOException {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("VERSION_CODENAME=") && line.length() > 17) return line.substring(17).replace("\"", "");
            }
            throw new UserError("cannot tell the host's suite from /etc/os-release; pass --suite");
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
            throw new UserError("no apt mirror found in /etc/apt; pass --mirror");
        }
    }
}
