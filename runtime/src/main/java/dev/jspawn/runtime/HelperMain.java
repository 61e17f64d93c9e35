package dev.jspawn.runtime;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.HelperContract;
import dev.jspawn.images.LayerMounts;
import dev.jspawn.images.Trees;
import dev.jspawn.machined.DBusHostBus;
import dev.jspawn.machined.HostBus;

/**
 * Runs the helper: the entry point of jspawn-helper.service (Type=dbus, started on demand: by jspawn-prepare where it
 * registers a guest whose overlay jspawn-prepare mounted itself, and by a call that finds it not running).
 *
 * <p>It owns {@value HelperContract#BUS_NAME}, serves the units' calls over one bus connection, and
 * exits once no call has come for JSPAWN_HELPER_IDLE_SEC seconds (default 10, at most 30). No
 * picocli here: it would add to the start of the JVM that the first container start waits for.
 *
 * <p>Exiting: the name is released first, so that any later call starts a new helper; calls
 * that reached this one before are still answered, then the connection is closed. systemd stops a
 * Type=dbus service whose name is gone (SIGTERM, which the unit counts as success): the shutdown
 * hook lets calls in flight finish first, for up to {@value #DRAIN_SECONDS} s.
 */
public final class HelperMain {

    static final int DEFAULT_IDLE_SECONDS = 10;
    static final int MAX_IDLE_SECONDS = 30;
    static final int DRAIN_SECONDS = 20;

    private HelperMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintWriter log = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        long idleNanos = TimeUnit.SECONDS.toNanos(idleSeconds(System.getenv("JSPAWN_HELPER_IDLE_SEC")));
        if (args.length == 1 && args[0].equals("--train")) {
            train();
            return;
        }
        if (args.length > 0) {
            log.println("jspawn-helper: takes no arguments (it is started on demand; see jspawn(1), HELPER)");
            System.exit(2);
        }
        DBusConnection conn = connect();
        HostBus shared = DBusHostBus.over(conn);
        // systemd names the runtime directory it made (RuntimeDirectory=) in the service's environment.
        String runtime = System.getenv("RUNTIME_DIRECTORY");
        HelperService service = new HelperService(Host.system().withBus(() -> shared), log,
                runtime == null || runtime.isEmpty() || runtime.contains(":") ? null : Path.of(runtime, HelperContract.WARM_FILE));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drain(service)));
        conn.exportObject(HelperContract.OBJECT_PATH, service);
        try {
            conn.requestBusName(HelperContract.BUS_NAME);
        } catch (DBusException e) {
            log.println("jspawn-helper: cannot own " + HelperContract.BUS_NAME + ": " + e.getMessage());
            System.exit(1);
        }
        while (service.idleNanos() < idleNanos) Thread.sleep(250);
        conn.releaseBusName(HelperContract.BUS_NAME);
        // Calls sent before the release are still queued to us: answer them before leaving.
        do {
            Thread.sleep(300);
        } while (service.inFlight() > 0 || service.idleNanos() < TimeUnit.MILLISECONDS.toNanos(300));
        conn.close();
        System.exit(0);
    }

    /** The system bus, with threads for 8 calls at once (a burst of starts). */
    private static DBusConnection connect() throws DBusException {
        return DBusConnectionBuilder.forSystemBus().receivingThreadConfig().withMethodCallThreadCount(8).connectionConfig().build();
    }

    /**
     * What scripts/install runs to build the class archive: the start-up path of a real run (connect,
     * export, a call to machined) without owning the name or changing anything. Without a bus (a
     * staging install) it stops early; the archive then holds what was loaded until then. In a mount
     * namespace of its own (build-archives runs it under unshare --mount when it can), it also prepares a
     * scratch child's overlay as a start does, with the same call: its range, its idmapped view and its
     * environment file, all in a scratch directory, the view gone with the namespace. That is most of
     * what the first start after the helper's own start loads; outside such a namespace it mounts nothing. It
     * logs its calls as the helper does, on stderr.
     */
    private static void train() {
        if (System.getenv("DBUS_SYSTEM_BUS_ADDRESS") == null && !Files.exists(Path.of("/run/dbus/system_bus_socket"))) {
            return; // no bus to connect to (dbus-java would wait for it)
        }
        try (DBusConnection conn = connect()) {
            conn.exportObject(HelperContract.OBJECT_PATH, new HelperService(Host.system(), new PrintWriter(System.err)));
            try (HostBus bus = DBusHostBus.over(conn)) {
                bus.machine("jspawn-helper-training");
                bus.unitOfProcess(ProcessHandle.current().pid());
                RangeChoice.decide("training", "training", ContainerConfig.PrivateUsers.PICK, Optional.empty(), List.of());
                if (privateMountNamespace()) trainStart(bus);
            }
        } catch (Exception | LinkageError e) {
            // a staging install without a system bus, or no user namespaces: nothing lost but time (said on stderr)
            System.err.println("jspawn-helper: training stopped early: " + e);
        }
    }

    /** Whether this process has a mount namespace other than init's: then what it mounts is seen by nobody else. */
    private static boolean privateMountNamespace() {
        try {
            return !Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"))
                    .equals(Files.readSymbolicLink(Path.of("/proc/1/ns/mnt")));
        } catch (IOException e) {
            return false;
        }
    }

    /** A start's MountLayers and a stop's Unregister, on a scratch child (see {@link #train}); only in a private mount namespace. */
    private static void trainStart(HostBus bus) throws IOException {
        Path scratch = Files.createTempDirectory("jspawn-train");
        try {
            Path root = scratch.resolve("images"); // made 0700 by the call, as the image root is
            Path base = scratch.resolve("base");
            Files.createDirectories(base.resolve("etc"));
            Files.writeString(base.resolve("etc/os-release"), "ID=training\n");
            Path run = scratch.resolve("run");
            Path view = run.resolve("training/lower/0");
            Files.createDirectories(view);
            Host host = Host.system().withBus(() -> bus);
            host = new Host(host.searchPath(), host.bus(), host.proc(), run, host.disk());
            HelperService service = new HelperService(host, new PrintWriter(System.err, true, StandardCharsets.UTF_8));
            service.mountLayers("pick", "training", root.resolve("training_up").toString(), root.resolve("training_work").toString(),
                    run.resolve("training/nspawn.env").toString(), List.of(base + ":" + view));
            LayerMounts.unmount(view);
            service.unregister("jspawn-helper-training", "jspawn@training.service");
        } finally {
            Trees.deleteIfExists(scratch);
        }
    }

    private static void drain(HelperService service) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
        try {
            while (service.inFlight() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int idleSeconds(String value) {
        if (value == null || value.isBlank()) return DEFAULT_IDLE_SECONDS;
        try {
            return Math.max(1, Math.min(MAX_IDLE_SECONDS, Integer.parseInt(value.strip())));
        } catch (NumberFormatException e) {
            return DEFAULT_IDLE_SECONDS;
        }
    }
}
