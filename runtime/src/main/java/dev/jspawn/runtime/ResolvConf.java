package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.jspawn.syntax.ConfigFiles;

/**
 * Decides what a guest with a network of its own gets as resolv.conf when its file has no ResolvConf=.
 *
 * <p>nspawn's own default (auto) leaves the guest's copy alone then: in a child, that is the base's,
 * the build host's at the time. jspawn copies the host's instead, at each start; when the host's
 * only name server is a local stub (systemd-resolved's 127.0.0.53, which the guest cannot reach),
 * it copies resolved's list of upstream servers.
 */
final class ResolvConf {

    static final Path HOST = Path.of("/etc/resolv.conf");
    static final Path UPLINK = Path.of("/run/systemd/resolve/resolv.conf");

    private ResolvConf() {
    }

    static String mode() {
        return mode(HOST, UPLINK);
    }

    static String mode(Path host, Path uplink) {
        boolean remote = false, any = false;
        try {
            for (String line : new String(ConfigFiles.read(host), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.trim().split("\\s+");
                if (w.length >= 2 && w[0].equals("nameserver")) {
                    any = true;
                    if (!(w[1].startsWith("127.") || w[1].equals("::1"))) remote = true;
                }
            }
        } catch (IOException e) {
            // no readable resolv.conf: copy-host then copies nothing, as nspawn would
        }
        return any && !remote && Files.isRegularFile(uplink) ? "copy-uplink" : "copy-host";
    }
}
