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
 * guest's own /sys). What is read inside the guest's tree is read inside its root ({@link GuestFiles}).
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

    /** A guest's file of at most a line, read inside its root (never through a symlink out of it), or empty. */
    private static String guestFile(Path proc, long leader, String rel, long fsType) {
        return GuestFiles.read(proc.resolve(leader + "/root"), rel, 4096, fsType)
                .map(b -> new String(b, StandardCharsets.UTF_8).trim()).orElse("");
    }

    /**
     * The guest's 128-bit machine ID as nspawn registers it: the one jspawn hands nspawn ({@code --uuid=}, on nspawn's own
     * command line, which the guest's init takes for an empty /etc/machine-id); only without one, the guest's
     * /etc/machine-id. An empty array (machined then has none) if neither is there.
     */
    static byte[] machineId(Path proc, long leader, long nspawnPid) {
        for (String arg : nspawnArgs(proc, nspawnPid)) {
            byte[] id = arg.startsWith("--uuid=") ? uuid(arg.substring(7)) : null;
            if (id != null) return id;
        }
        byte[] own = uuid(guestFile(proc, leader, "etc/machine-id", GuestFiles.ANY));
        return own != null ? own : new byte[0];
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
        return hostInterfaces(proc, leader, nspawnPid, timeoutMillis, GuestFiles.SYSFS);
    }

    /**
     * As above, the link read only from a file system of type {@code sysfs}: a file the guest put at that path (in its upper
     * dir, or on a tmpfs of its own) names whatever it likes. (nspawn 252 has mounted the guest's sysfs by the time its child
     * shows as the leader; this does not rely on that order.)
     */
    static int[] hostInterfaces(Path proc, long leader, long nspawnPid, long timeoutMillis, long sysfs) throws InterruptedException {
        boolean veth = false;
        for (String arg : nspawnArgs(proc, nspawnPid)) {
            veth |= arg.equals("--network-veth") || arg.startsWith("--network-bridge=") || arg.startsWith("--network-zone=");
        }
        if (!veth) return new int[0];
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            try {
                // 0 while the pair is being made: host0 shows before the kernel links it to its peer (seen at a warm start)
                int ifindex = Integer.parseInt(guestFile(proc, leader, "sys/class/net/host0/iflink", sysfs));
                if (ifindex > 0) return new int[] {ifindex};
            } catch (NumberFormatException e) {
                // not there (yet)
            }
            if (!stillNspawn(proc, leader, nspawnPid) || System.nanoTime() > deadline) return new int[0];
            Thread.sleep(POLL_MILLIS);
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
            List<String> args = List.of(Files.readString(proc.resolve(nspawnPid + "/cmdline"), StandardCharsets.ISO_8859_1).split("\0"));
            // nspawn's own options end at "--": what follows is the guest's command line, the admin's Parameters=
            int end = args.indexOf("--");
            return end < 0 ? args : args.subList(0, end);
        } catch (IOException e) {
            return List.of();
        }
    }
}
