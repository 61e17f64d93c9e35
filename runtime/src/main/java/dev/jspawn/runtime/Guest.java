package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads what the registration needs to know about a running guest from /proc.
 *
 * <p>That is its init (the leader, the only child of systemd-nspawn), its machine ID, and the host
 * side of its veth link (the ifindex that the guest's host0 names as its peer, read through the
 * guest's own /sys).
 */
final class Guest {

    private Guest() {
    }

    /** The leader: systemd-nspawn's child. Waits up to {@code timeoutMillis} for it to appear. */
    static long leader(Path proc, long nspawnPid, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            List<Long> children = children(proc, nspawnPid);
            if (children.size() == 1) return children.get(0);
            if (children.size() > 1) throw new UserError("systemd-nspawn (PID " + nspawnPid + ") has several children " + children + "; cannot tell which is the guest's init");
            if (!Files.isDirectory(proc.resolve(Long.toString(nspawnPid)))) {
                throw new UserError("no process " + nspawnPid + ": systemd-nspawn is not running");
            }
            if (System.nanoTime() > deadline) throw new UserError("systemd-nspawn (PID " + nspawnPid + ") has no child: the guest did not start");
            Thread.sleep(50);
        }
    }

    static List<Long> children(Path proc, long pid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                try {
                    for (String s : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!s.isEmpty()) out.add(Long.parseLong(s));
                    }
                } catch (NoSuchFileException e) {
                    // the task ended while we looked
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /**
     * A small file of the guest's, read as the generator reads a config file: only a regular file, at most
     * 1 MiB, never blocking. The guest owns what is there: a FIFO or a link to /dev/zero must cost the
     * shared helper neither a thread nor its memory.
     */
    private static String guestFile(Path file) throws IOException {
        return new String(dev.jspawn.syntax.ConfigFiles.read(file), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The guest's 128-bit machine ID: its /etc/machine-id; while that is still empty (registered as soon as
     * its init runs, before that init has set it up), the ID nspawn hands the init ({@code container_uuid}
     * in its environment), which the init takes. An empty array (machined then has none) if neither is there.
     */
    static byte[] machineId(Path proc, long leader) {
        try {
            String id = guestFile(proc.resolve(leader + "/root/etc/machine-id")).trim();
            if (id.matches("[0-9a-f]{32}")) return HexFormat.of().parseHex(id);
        } catch (IOException e) {
            // none yet
        }
        try {
            for (String var : guestFile(proc.resolve(leader + "/environ")).split("\0")) {
                if (var.startsWith("container_uuid=")) {
                    String id = var.substring(15).replace("-", "").toLowerCase(java.util.Locale.ROOT);
                    if (id.matches("[0-9a-f]{32}")) return HexFormat.of().parseHex(id);
                }
            }
        } catch (IOException e) {
            // not in its environment
        }
        try {
            // Where nspawn also leaves it: the only place on systemd 257 and later, whose nspawn no longer sets container_uuid.
            String id = guestFile(proc.resolve(leader + "/root/run/host/container-uuid")).trim().replace("-", "").toLowerCase(java.util.Locale.ROOT);
            if (id.matches("[0-9a-f]{32}")) return HexFormat.of().parseHex(id);
        } catch (IOException e) {
            // no ID yet: machined accepts none
        }
        return new byte[0];
    }

    /** The host-side ifindex of the guest's host0 link, or none when the guest has no veth. */
    static int[] hostInterfaces(Path proc, long leader) {
        try {
            return new int[] {Integer.parseInt(guestFile(proc.resolve(leader + "/root/sys/class/net/host0/iflink")).trim())};
        } catch (IOException | NumberFormatException e) {
            return new int[0];
        }
    }
}
