package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The how-to's setup of a new base's tree, each step only where it applies and never overwriting what the image chose. */
public final class BaseSetup {

    private final BaseTools tools;
    private final PrintWriter out;

    /** @param out where each step that changed something says so */
    public BaseSetup(BaseTools tools, PrintWriter out) {
        this.tools = tools;
        this.out = out;
    }

    /**
     * No identity (an empty machine ID, no host name), LANG=C.UTF-8, the host's timezone, root login on the
     * container console, resolv.conf pointing at systemd-resolved's stub where the tree has it, and (with
     * {@code networkd}) systemd-networkd enabled.
     */
    public void apply(Path root, boolean networkd) throws IOException {
        tools.blankIdentity(root);
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
            int s = tools.run(List.of("systemctl", "--root=" + root, "enable", "systemd-networkd.service"));
            if (s != 0) throw new BaseFailure("Failed to enable systemd-networkd in the base");
            out.println("    systemd-networkd: enabled (the guest's host0 gets its address by DHCP)");
        }
        out.flush();
    }

    /** root's password in the tree, hashed by the tree's own chpasswd (as its passwd would): never written in clear. */
    public void rootPassword(Path root, String password) throws IOException {
        int s = tools.run(List.of("chpasswd", "--root", root.toString()), "root:" + password + "\n");
        if (s != 0) throw new BaseFailure("chpasswd --root " + root + " failed (exit status " + s + "); nothing was created");
        out.println("    root: password set (machinectl login works in its children)");
    }

    static boolean hasUnit(Path root, String unit) {
        for (String dir : List.of("usr/lib/systemd/system/", "lib/systemd/system/")) {
            if (Files.exists(root.resolve(dir + unit), LinkOption.NOFOLLOW_LINKS)) return true;
        }
        return false;
    }
}
