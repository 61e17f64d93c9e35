package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.machined.HostBus;
import dev.jspawn.runtime.UserError;

/**
 * Runs an action on a child's directories only while nothing can mount its overlay: changing an
 * upper dir under a mounted overlay is undefined behaviour. A running or mounted child is refused,
 * or with {@code stop} stopped first. The automount is held down for the duration, so that an
 * access to the mount point cannot remount it half-way, and brought back after.
 */
final class Offline {

    @FunctionalInterface
    interface Action<T> {
        T run() throws IOException;
    }

    private Offline() {
    }

    /** Runs {@code action} with the child offline, reminding the admin to start a child stopped for it again. */
    static <T> T run(Context ctx, ContainerConfig c, boolean stop, PrintWriter out, Action<T> action) throws IOException {
        return run(ctx, c, stop, true, false, out, state -> { }, action);
    }

    /**
     * As {@link #run(Context, ContainerConfig, boolean, PrintWriter, Action)} with {@code stop}, for a caller that
     * starts the child again itself: {@code stopping} is given the service's ActiveState ("active", "activating",
     * ...) just before this call stops the service, and is not called when the service is not running. It is the
     * state this call acted on, so the caller starts again exactly what was stopped.
     */
    static <T> T stopThenRun(Context ctx, ContainerConfig c, PrintWriter out, Consumer<String> stopping, Action<T> action) throws IOException {
        return run(ctx, c, true, false, false, out, stopping, action);
    }

    /**
     * As {@link #run(Context, ContainerConfig, boolean, PrintWriter, Action)} for an action that removes
     * the child's configuration: once it has, the automount stays stopped (started again, it would hold an
     * autofs mount on the mount point of a container that is gone, until the next boot).
     */
    static <T> T remove(Context ctx, ContainerConfig c, boolean stop, PrintWriter out, Action<T> action) throws IOException {
        return run(ctx, c, stop, false, true, out, state -> { }, action);
    }

    private static <T> T run(Context ctx, ContainerConfig c, boolean stop, boolean remindToStart, boolean removes, PrintWriter out,
            Consumer<String> stopping, Action<T> action) throws IOException {
        String service = Converter.serviceName(c.name());
        String automount = Converter.automountName(c);
        String mount = Converter.mountName(c);
        String state;
        boolean running;
        boolean automountActive;
        try (HostBus bus = ctx.bus().get()) {
            state = bus.unit(service).activeState();
            running = !state.equals("inactive") && !state.equals("failed");
            automountActive = bus.unit(automount).activeState().equals("active");
        }
        Optional<String> mounted = MountInfo.using(ctx.proc(), c.where(), List.of(c.upperDir(), c.workDir()));
        if (!stop && running) {
            throw new UserError(c.name() + " is running (" + service + " is active); stop it first, or pass --stop");
        }
        if (!stop && mounted.isPresent()) {
            throw new UserError(c.name() + "'s overlay is mounted at " + mounted.get() + "; stop it first, or pass --stop");
        }
        List<String> toStop = new ArrayList<>();
        if (automountActive) toStop.add(automount);
        if (running) toStop.add(service);
        if (mounted.isPresent()) toStop.add(mount);
        if (running) stopping.accept(state); // before the stop: one that fails may still have stopped it
        if (!toStop.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("stop"));
            args.addAll(toStop);
            if (ctx.systemctl().run(args.toArray(String[]::new)) != 0) throw new UserError("Failed to stop " + String.join(" ", toStop));
        }
        boolean done = false;
        try {
            Optional<String> still = MountInfo.using(ctx.proc(), c.where(), List.of(c.upperDir(), c.workDir()));
            if (still.isPresent()) throw new UserError(c.name() + "'s directories are still in use by the mount at " + still.get() + "; nothing was changed");
            T result = action.run();
            done = true;
            return result;
        } finally {
            if (automountActive && !(removes && done) && ctx.systemctl().run("start", automount) != 0) {
                out.println("jspawn: warning: failed to start " + automount + " again");
            }
            if (running && remindToStart) out.println(service + " was stopped; start it again with: systemctl start " + service);
            out.flush();
        }
    }
}
