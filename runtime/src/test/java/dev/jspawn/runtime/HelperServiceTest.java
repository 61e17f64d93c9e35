package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.types.UInt32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.HelperContract;

/**
 * The helper's methods do what the commands of the same name do, answer failures as the D-Bus error
 * busctl prints, and keep count of calls for the idle exit. (The bus activation, the idle exit itself
 * and busctl are in EndToEndIT, against the real bus.)
 */
class HelperServiceTest {

    @TempDir
    Path tmp;

    final FakeBus bus = new FakeBus();
    final StringWriter log = new StringWriter();

    HelperService service() {
        return new HelperService(new Host(new SearchPath(List.of(tmp.resolve("etc"))), () -> bus, tmp.resolve("proc"), tmp.resolve("run/jspawn"),
                DiskSpace.FILE_STORE), new PrintWriter(log));
    }

    @Test
    void theExportedMethodsAreTheContractsWithItsSignatures() throws Exception {
        // What dbus-java serves (name and signature of each method, from the annotations and the Java types) is what the units call.
        var exported = new org.freedesktop.dbus.messages.ExportedObject(service(), false).getMethods();
        java.util.Set<String> methods = new java.util.TreeSet<>();
        exported.forEach((m, java) -> {
            if (java.getDeclaringClass() == Helper1.class) methods.add(m.getName() + " " + m.getSig()); // not Introspect, Ping, ...
        });
        assertEquals(new java.util.TreeSet<>(List.of(HelperContract.MOUNT_LAYERS + " " + HelperContract.MOUNT_LAYERS_SIGNATURE,
                HelperContract.REGISTER + " " + HelperContract.REGISTER_SIGNATURE, HelperContract.UNREGISTER + " " + HelperContract.UNREGISTER_SIGNATURE)),
                methods);
        assertEquals(HelperContract.INTERFACE, org.freedesktop.dbus.utils.DBusNamingUtil.getInterfaceName(Helper1.class));
        assertEquals(HelperContract.ERROR, dev.jspawn.HelperError.class.getName(), "dbus-java names the error after its class");
    }

    @Test
    void aStartsSecondRegisterFindsTheGuestRegisteredAlready() throws IOException {
        // jspawn-nspawn's call as nspawn starts, then ExecStartPost='s once the init runs: one registration
        FakeBus.fakeNspawn(tmp.resolve("proc"), "101 ");
        bus.unitOf.put(100L, "jspawn@x.service");
        HelperService s = service();
        assertEquals("Registered machine child-apache (leader 101).", s.register("child-apache", "/var/lib/jspawn/child_apache", new UInt32(100)));
        assertEquals("Machine child-apache registered already (leader 101).", s.register("child-apache", "/var/lib/jspawn/child_apache", new UInt32(100)));
        assertEquals(1, bus.registered.size());
        // machined lost it meanwhile (a registration removed by hand): registered again, not taken on trust
        bus.machines.clear();
        assertEquals("Registered machine child-apache (leader 101).", s.register("child-apache", "/var/lib/jspawn/child_apache", new UInt32(100)));
        assertEquals(2, bus.registered.size());
        s.unregister("child-apache", "jspawn@x.service");
    }

    @Test
    void registerAndUnregisterAnswerWithTheCommandsLines() throws IOException {
        FakeBus.fakeNspawn(tmp.resolve("proc"), "101 ");
        HelperService s = service();
        assertEquals("Registered machine child-apache (leader 101).", s.register("child-apache", "/var/lib/jspawn/child_apache", new UInt32(100)));
        assertEquals(101, bus.registered.get(0).leader());
        assertEquals("Unregistered machine child-apache.", s.unregister("child-apache", "jspawn@x.service"));
        assertEquals("Machine child-apache was not registered.", s.unregister("child-apache", "jspawn@x.service"));
        assertTrue(log.toString().contains("Register child-apache: Registered machine child-apache (leader 101)."), log.toString());
        assertEquals(0, s.inFlight());
    }

    @Test
    void aFailureIsTheHelpersDBusErrorWithTheCommandsMessage() {
        HelperService s = service();
        DBusExecutionException e = assertThrows(DBusExecutionException.class, () -> s.register("m", "/x", new UInt32(4242)));
        assertEquals(HelperContract.ERROR, e.getType());
        assertEquals("jspawn: no process 4242: systemd-nspawn is not running", e.getMessage());
        assertTrue(log.toString().contains("Register m failed: no process 4242"), log.toString());
        DBusExecutionException bad = assertThrows(DBusExecutionException.class,
                () -> s.mountLayers("sometimes", "m", tmp + "/m_up", tmp + "/m_work", "", List.of()));
        assertTrue(bad.getMessage().startsWith("jspawn: --private-users: "), bad.getMessage());
        assertEquals(0, s.inFlight());
    }

    @Test
    void aFullDiskIsTheHelpersAnswerSoTheStartFailsWithIt() {
        HelperService s = new HelperService(new Host(new SearchPath(List.of(tmp.resolve("etc"))), FakeBus::new, tmp.resolve("proc"),
                tmp.resolve("run/jspawn"), dir -> new DiskSpace.Free("/var (/dev/vda2)", 0)), new PrintWriter(new StringWriter()));
        DBusExecutionException e = assertThrows(DBusExecutionException.class,
                () -> s.mountLayers("pick", "c", tmp + "/c_up", tmp + "/c_work", tmp + "/run/jspawn/c/nspawn.env", List.of()));
        assertEquals("jspawn: c: only 0B free on /var (/dev/vda2), which holds " + tmp + "/c_up; a start needs 16.0M"
                + " (a guest's first boot writes about 8M there): free some space on /var (/dev/vda2) and start it again", e.getMessage());
    }

    @Test
    void aServedMountLayersLeavesTheMarkThatJspawnPrepareAsksAWarmHelperBy() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(PreparedTest.root(), "as root (as .ci/run runs): the image root must be root's");
        Path mark = tmp.resolve("helper-runtime/" + HelperContract.WARM_FILE);
        java.nio.file.Files.createDirectories(mark.getParent());
        HelperService s = new HelperService(new Host(new SearchPath(List.of(tmp.resolve("etc"))), () -> bus, tmp.resolve("proc"),
                tmp.resolve("run/jspawn"), DiskSpace.FILE_STORE), new PrintWriter(log), mark);
        assertThrows(DBusExecutionException.class, () -> s.mountLayers("sometimes", "m", tmp + "/images/m_up", tmp + "/images/m_work", "", List.of()));
        assertFalse(java.nio.file.Files.exists(mark), "not after a failed call");
        s.mountLayers("no", "m", tmp + "/images/m_up", tmp + "/images/m_work", "", List.of());
        assertTrue(java.nio.file.Files.exists(mark), "after a served one");
    }

    @Test
    void idleTimeIsCountedFromTheLastCallAndCapped() throws Exception {
        HelperService s = service();
        Thread.sleep(20);
        long before = s.idleNanos();
        assertTrue(before >= 20_000_000, "idle since it was made: " + before);
        s.unregister("nothing", "jspawn@x.service");
        assertTrue(s.idleNanos() < before, "a call restarts the idle time");
        assertEquals(HelperMain.DEFAULT_IDLE_SECONDS, HelperMain.idleSeconds(null));
        assertEquals(HelperMain.DEFAULT_IDLE_SECONDS, HelperMain.idleSeconds("soon"));
        assertEquals(5, HelperMain.idleSeconds(" 5 "));
        assertEquals(HelperMain.MAX_IDLE_SECONDS, HelperMain.idleSeconds("3600"));
        assertEquals(1, HelperMain.idleSeconds("0"));
    }
}
