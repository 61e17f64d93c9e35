package dev.jspawn.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.freedesktop.dbus.types.UInt32;

import dev.jspawn.HelperError;
import dev.jspawn.generator.HelperContract;
import dev.jspawn.machined.HostBus;

/**
 * Serves the helper's bus methods, each with the same code as the jspawn command of the same name.
 *
 * <p>A failure is answered as a D-Bus error with the message the command would print. It counts calls
 * in flight and remembers when the last one ended, so {@link HelperMain} knows when it is idle.
 */
final class HelperService implements Helper1 {

    /** How long the registrar waits for systemd-nspawn's child (the guest's init) to appear. */
    static final long LEADER_TIMEOUT_MILLIS = 5000;

    private final Host host;
    private final PrintWriter log;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong lastEnd = new AtomicLong(System.nanoTime());

    /**
     * Made once a MountLayers has been served ({@link HelperContract#WARM_FILE} in the helper's runtime directory, which
     * systemd removes when the helper stops), or null: from then on jspawn-prepare asks this helper, whose later calls take
     * a few milliseconds, rather than mounting the views itself. Before that, a first call (the JVM still cold) would take
     * longer than mount(8).
     */
    private final Path warmMarker;
    private volatile boolean warm;

    HelperService(Host host, PrintWriter log) {
        this(host, log, null);
    }

    HelperService(Host host, PrintWriter log, Path warmMarker) {
        this.host = host;
        this.log = log;
        this.warmMarker = warmMarker;
    }

    @Override
    public String getObjectPath() {
        return HelperContract.OBJECT_PATH;
    }

    @Override
    public String mountLayers(String privateUsers, String machine, String upper, String work, String envFile, List<String> layers) {
        return call(HelperContract.MOUNT_LAYERS + " " + machine, () -> {
            StringWriter notes = new StringWriter();
            PrintWriter out = new PrintWriter(notes);
            String line = OverlaySetup.prepare(host, OverlaySetup.containerOf(Path.of(upper)), privateUsers, machine, Path.of(upper),
                    Path.of(work), envFile.isEmpty() ? null : Path.of(envFile), layers, out);
            out.flush();
            if (warmMarker != null && !warm) {
                warm = true;
                try {
                    java.nio.file.Files.write(warmMarker, new byte[0]);
                } catch (java.io.IOException e) {
                    // then jspawn-prepare keeps mounting the views itself: only time is lost
                }
            }
            return notes + line;
        });
    }

    @Override
    public String register(String machine, String directory, UInt32 mainPid) {
        return call(HelperContract.REGISTER + " " + machine,
                () -> MachineRegistration.register(host, machine, directory, mainPid.longValue(), LEADER_TIMEOUT_MILLIS));
    }

    @Override
    public String unregister(String machine, String unit) {
        return call(HelperContract.UNREGISTER + " " + machine, () -> MachineRegistration.unregister(host, machine, unit));
    }

    /** Calls in flight now. */
    int inFlight() {
        return inFlight.get();
    }

    /** Nanoseconds since the last call ended (0 while one runs). */
    long idleNanos() {
        return inFlight.get() > 0 ? 0 : System.nanoTime() - lastEnd.get();
    }

    private String call(String what, Callable<String> body) {
        inFlight.incrementAndGet();
        try {
            String result = body.call();
            log(what + ": " + result);
            return result;
        } catch (UserError | HostBus.Failure | java.io.IOException e) {
            throw failure(what, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(what, "interrupted");
        } catch (Exception e) {
            throw failure(what, "internal error: " + e);
        } finally {
            lastEnd.set(System.nanoTime());
            inFlight.decrementAndGet();
        }
    }

    private HelperError failure(String what, String message) {
        log(what + " failed: " + message);
        return new HelperError("jspawn: " + message);
    }

    private void log(String line) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }
}
