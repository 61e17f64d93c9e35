package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the registration reads of a guest, from a fake /proc: the leader among systemd-nspawn's children, the machine ID
 * and the veth's host side, also before the guest's init runs (the helper registers it as nspawn starts).
 */
class GuestTest {

    @TempDir
    Path tmp;

    static final String UUID = "0123456789abcdef0123456789abcdef";

    private Path proc() throws IOException {
        Path proc = tmp.resolve("proc");
        Files.createDirectories(proc.resolve("100/task/100"));
        return proc;
    }

    private static void children(Path proc, String children) throws IOException {
        Files.writeString(proc.resolve("100/task/100/children"), children);
    }

    private static void cmdline(Path proc, String... args) throws IOException {
        Files.writeString(proc.resolve("100/cmdline"), String.join("\0", args) + "\0");
    }

    @Test
    void theLeaderIsTheChildThatIsPidOneOfItsOwnNamespace() throws Exception {
        Path proc = proc();
        // nspawn's intermediate child (in nspawn's namespace), then the one that will exec the init, which it holds after
        children(proc, "101 102");
        FakeBus.fakeProcess(proc, 101, "101");
        FakeBus.fakeProcess(proc, 102, "102\t1");
        assertEquals(102, Guest.leader(proc, 100, 1000));
    }

    @Test
    void aChildThatIsNoPidOneIsNotTakenForTheLeader() throws Exception {
        Path proc = proc();
        children(proc, "101");
        FakeBus.fakeProcess(proc, 101, "101");
        UserError e = assertThrows(UserError.class, () -> Guest.leader(proc, 100, 20));
        assertTrue(e.getMessage().contains("has no child: the guest did not start"), e.getMessage());
    }

    @Test
    void twoPidOnesAreRefused() throws Exception {
        Path proc = proc();
        children(proc, "101 102");
        FakeBus.fakeProcess(proc, 101, "101\t1");
        FakeBus.fakeProcess(proc, 102, "102\t1");
        UserError e = assertThrows(UserError.class, () -> Guest.leader(proc, 100, 20));
        assertTrue(e.getMessage().contains("several children [101, 102]"), e.getMessage());
    }

    @Test
    void aNameThatIsNoTextDoesNotHideTheLeader() throws Exception {
        Path proc = proc();
        children(proc, "102");
        Files.createDirectories(proc.resolve("102"));
        // A guest sets its init's name (prctl): bytes that are no UTF-8, and a line that looks like NSpid's
        byte[] status = ("Name:\t\u00ff\u00feNSpid: 7\nPid:\t102\nNSpid:\t102\t1\n").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(proc.resolve("102/status"), status);
        assertEquals(102, Guest.leader(proc, 100, 1000));
    }

    @Test
    void theMachineIdIsTheOneNspawnWasGivenThenTheGuestsOwn() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--quiet", "--uuid=" + UUID, "--boot");
        Files.createDirectories(proc.resolve("102/root/etc"));
        String own = "fedcba9876543210fedcba9876543210";
        Files.writeString(proc.resolve("102/root/etc/machine-id"), own + "\n");
        // As nspawn registers it: the guest's init takes that ID for its own while /etc/machine-id is empty
        assertArrayEquals(HexFormat.of().parseHex(UUID), Guest.machineId(proc, 102, 100));
        cmdline(proc, "/usr/bin/systemd-nspawn", "--quiet", "--boot");
        assertArrayEquals(HexFormat.of().parseHex(own), Guest.machineId(proc, 102, 100));
    }

    @Test
    void aGuestsSymlinkToAHostFileIsReadInsideTheGuest() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--quiet", "--boot");
        Path secret = Files.writeString(tmp.resolve("secret"), "fedcba9876543210fedcba9876543210\n"); // a host file
        Files.createDirectories(proc.resolve("102/root/etc"));
        Files.createSymbolicLink(proc.resolve("102/root/etc/machine-id"), secret);
        assertArrayEquals(new byte[0], Guest.machineId(proc, 102, 100));
        Files.delete(proc.resolve("102/root/etc/machine-id"));
        Files.createSymbolicLink(proc.resolve("102/root/etc/machine-id"), Path.of("../../../../secret"));
        assertArrayEquals(new byte[0], Guest.machineId(proc, 102, 100));
        // the same absolute link to a file the guest has is followed, inside its tree
        Files.createDirectories(proc.resolve("102/root" + tmp));
        Files.writeString(proc.resolve("102/root" + secret), UUID);
        Files.delete(proc.resolve("102/root/etc/machine-id"));
        Files.createSymbolicLink(proc.resolve("102/root/etc/machine-id"), secret);
        assertArrayEquals(HexFormat.of().parseHex(UUID), Guest.machineId(proc, 102, 100));
    }

    @Test
    void aUuidAmongTheGuestsParametersIsNotNspawns() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--quiet", "--", "/bin/app", "--uuid=" + UUID);
        Files.createDirectories(proc.resolve("102"));
        assertArrayEquals(new byte[0], Guest.machineId(proc, 102, 100));
    }

    @Test
    void withoutAVethThereIsNoLinkToWaitFor() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--private-network");
        Files.createDirectories(proc.resolve("102"));
        Files.createSymbolicLink(proc.resolve("100/exe"), Path.of("/usr/bin/systemd-nspawn"));
        Files.createSymbolicLink(proc.resolve("102/exe"), Path.of("/usr/bin/systemd-nspawn"));
        long t0 = System.nanoTime();
        assertArrayEquals(new int[0], Guest.hostInterfaces(proc, 102, 100, 5000));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "did not wait");
    }

    @Test
    void aVethsLinkIsWaitedForUntilItShowsWhileTheChildRunsNspawn() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--network-veth");
        Path net = proc.resolve("102/root/sys/class/net/host0");
        Files.createDirectories(proc.resolve("102"));
        Files.createSymbolicLink(proc.resolve("100/exe"), Path.of("/usr/bin/systemd-nspawn"));
        Files.createSymbolicLink(proc.resolve("102/exe"), Path.of("/usr/bin/systemd-nspawn"));
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(50);
                Files.createDirectories(net);
                Files.writeString(net.resolve("iflink"), "0\n"); // the pair not linked yet
                Thread.sleep(50);
                Files.writeString(net.resolve("iflink.new"), "7\n");
                Files.move(net.resolve("iflink.new"), net.resolve("iflink"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        later.start();
        assertArrayEquals(new int[] {7}, Guest.hostInterfaces(proc, 102, 100, 5000, GuestFiles.fsType(tmp)));
        later.join();
    }

    @Test
    void onceTheInitRunsWhatIsThereIsAll() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--network-veth");
        Files.createDirectories(proc.resolve("102"));
        Files.createSymbolicLink(proc.resolve("100/exe"), Path.of("/usr/bin/systemd-nspawn"));
        Files.createSymbolicLink(proc.resolve("102/exe"), Path.of("/usr/lib/systemd/systemd"));
        assertFalse(Guest.stillNspawn(proc, 102, 100));
        long t0 = System.nanoTime();
        assertArrayEquals(new int[0], Guest.hostInterfaces(proc, 102, 100, 5000));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "did not wait");
    }

    @Test
    void aLinkFileInTheUpperDirIsNoSysfsAndNotTaken() throws Exception {
        Path proc = proc();
        cmdline(proc, "/usr/bin/systemd-nspawn", "--network-veth");
        Path net = Files.createDirectories(proc.resolve("102/root/sys/class/net/host0"));
        Files.writeString(net.resolve("iflink"), "7\n"); // left by the guest where its sysfs would be
        Files.createSymbolicLink(proc.resolve("100/exe"), Path.of("/usr/bin/systemd-nspawn"));
        Files.createSymbolicLink(proc.resolve("102/exe"), Path.of("/usr/bin/systemd-nspawn"));
        assertArrayEquals(new int[0], Guest.hostInterfaces(proc, 102, 100, 50));
        assertArrayEquals(new int[] {7}, Guest.hostInterfaces(proc, 102, 100, 50, GuestFiles.fsType(tmp)));
    }
}
