package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * The leader: the child of systemd-nspawn that is PID 1 of a PID namespace of its own, the guest's init or, until nspawn
     * lets it exec that init, nspawn's own code. nspawn holds it as its child once the intermediate child that forked it has
     * exited, and registers it itself then, before the exec (systemd's src/nspawn/nspawn.c, run_container()); another child
     * of nspawn's, such as one that moves interfaces, is no PID 1. Waits up to {@code timeoutMillis} for it to appear.
     */
    static long leader(Path proc, long nspawnPid, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            List<Long> inits = new ArrayList<>();
            for (long c : children(proc, nspawnPid)) if (pidOneOfItsOwn(proc, c)) inits.add(c);
            if (inits.size() == 1) return inits.get(0);
            if (inits.size() > 1) throw new UserError("systemd-nspawn (PID " + nspawnPid + ") has several children " + inits + " that are PID 1 of a namespace; cannot tell which is the guest's init");
            if (!Files.isDirectory(proc.resolve(Long.toString(nspawnPid)))) {
                throw new UserError("no process " + nspawnPid + ": systemd-nspawn is not running");
            }
            if (System.nanoTime() > deadline) throw new UserError("systemd-nspawn (PID " + nspawnPid + ") has no child: the guest did not start");
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** How often the leader and its link are looked for: nspawn's child lives some 50 ms before it execs the init. */
    static final long POLL_MILLIS = 2;

    /**
     * Whether {@code pid} is PID 1 of a PID namespace below this one: its status's NSpid (Linux 4.1) ends in 1. The kernel
     * writes that file; the name in it, which a guest sets, is read as bytes and never parsed.
     */
    static boolean pidOneOfItsOwn(Path proc, long pid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).trim().split("\\s+");
                    return ids.length > 1 && ids[ids.length - 1].equals("1");
                }
            }
        } catch (IOException e) {
            // it ended while we looked
        }
        return false;
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
     * The guest's 128-bit machine ID: its /etc/machine-id; while that is still empty (a first boot, or registered before its
     * init has set it up), the ID jspawn hands nspawn ({@code --uuid=}, on nspawn's command line, which the guest's init
     * takes); then the older places nspawn leaves it ({@code container_uuid} in the init's environment, /run/host/container-uuid).
     * An empty array (machined then has none) if none is there.
     */
    static byte[] machineId(Path proc, long leader, long nspawnPid) {
        try {
            String id = guestFile(proc.resolve(leader + "/root/etc/machine-id")).trim();
            if (id.matches("[0-9a-f]{32}")) return HexFormat.of().parseHex(id);
        } catch (IOException e) {
            // none yet
        }
        for (String arg : nspawnArgs(proc, nspawnPid)) {
            byte[] id = arg.startsWith("--uuid=") ? uuid(arg.substring(7)) : null;
            if (id != null) return id;
        }
        try {
            for (String var : guestFile(proc.resolve(leader + "/environ")).split("\0")) {
                byte[] id = var.startsWith("container_uuid=") ? uuid(var.substring(15)) : null;
                if (id != null) return id;
            }
        } catch (IOException e) {
            // not in its environment
        }
        try {
            // Where nspawn also leaves it: the only place on systemd 257 and later, whose nspawn no longer sets container_uuid.
            byte[] id = uuid(guestFile(proc.resolve(leader + "/root/run/host/container-uuid")).trim());
            if (id != null) return id;
        } catch (IOException e) {
            // no ID yet: machined accepts none
        }
        return new byte[0];
    }

    /** A UUID as nspawn writes one (with or without dashes, either case) as 16 bytes, or null if it is none. */
    private static byte[] uuid(String text) {
        String id = text.replace("-", "").toLowerCase(java.util.Locale.ROOT);
        return id.matches("[0-9a-f]{32}") ? HexFormat.of().parseHex(id) : null;
    }

    /**
     * The host-side ifindex of the guest's host0 link, or none when the guest has no veth. nspawn makes the veth and the
     * child mounts its /sys before the init runs: for a guest with a veth (nspawn's command line says so), this waits for the
     * link while the child still runs nspawn's code, up to {@code timeoutMillis}; once the init runs, what is there is all.
     */
    static int[] hostInterfaces(Path proc, long leader, long nspawnPid, long timeoutMillis) throws InterruptedException {
        boolean veth = false;
        for (String arg : nspawnArgs(proc, nspawnPid)) {
            veth |= arg.equals("--network-veth") || arg.startsWith("--network-bridge=") || arg.startsWith("--network-zone=");
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        Path iflink = proc.resolve(leader + "/root/sys/class/net/host0/iflink");
        // Until then a stat each time (the child's /sys is nspawn's until it mounts sysfs there), then one read.
        while (veth && !Files.exists(iflink) && stillNspawn(proc, leader, nspawnPid) && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
        }
        return host0(proc, leader);
    }

    private static int[] host0(Path proc, long leader) {
        try {
            return new int[] {Integer.parseInt(guestFile(proc.resolve(leader + "/root/sys/class/net/host0/iflink")).trim())};
        } catch (IOException | NumberFormatException e) {
            return new int[0];
        }
    }

    /** Whether the leader still runs systemd-nspawn's program, that is has not exec'd the guest's init yet. */
    static boolean stillNspawn(Path proc, long leader, long nspawnPid) {
        try {
            return Files.readSymbolicLink(proc.resolve(leader + "/exe")).equals(Files.readSymbolicLink(proc.resolve(nspawnPid + "/exe")));
        } catch (IOException e) {
            return false;
        }
    }

    /** systemd-nspawn's command line (the host's, not the guest's), or none if it cannot be read. */
    static List<String> nspawnArgs(Path proc, long nspawnPid) {
        try {
            List<String> args = List.of(guestFile(proc.resolve(nspawnPid + "/cmdline")).split("\0"));
            // nspawn's own options end at "--": what follows is the guest's command line, the admin's Parameters=
            int end = args.indexOf("--");
            return end < 0 ? args : args.subList(0, end);
        } catch (IOException e) {
            return List.of();
        }
    }
}
