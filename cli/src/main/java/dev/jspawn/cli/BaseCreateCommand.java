package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.jspawn.images.BaseCreate;
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
        BaseCreate.Source from = new BaseCreate.Source(source.suite, source.pacstrap, source.tar, source.dir, mirror);
        BaseCreate.Password password = rootPasswordFile == null ? null : () -> readPassword(rootPasswordFile);
        BaseStore.Version v = base.creator(out, spec.commandLine().getErr()).run(name, from, networkd, password);
        out.println("Created base " + name + " (" + v.label() + ", " + Sizes.human(Sizes.of(v.dir())) + ") in " + base.imageRoot
                + ". Use it with Base=" + name + " or: jspawn create CHILD --base " + name);
        out.flush();
        return 0;
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
}
