package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.HealthCheck;
import dev.jspawn.generator.Converter;
import dev.jspawn.images.Rollout;
import dev.jspawn.machined.HostBus;

/**
 * What base upgrade and auto-upgrade do to a child through systemd: stopped as jspawn prune --stop does it, under
 * the child's lock; started again with systemctl; and waited for until healthy: its HealthCmd= passes (one check at a
 * time, as its timer runs it, without HealthOnFailure=), or, without one, its system is running or degraded.
 */
final class RolloutChildren implements Rollout.Children {
    private final BaseCommand base;
    private final Context context;
    private final PrintWriter out;
    private final int upTimeout;

    RolloutChildren(BaseCommand base, PrintWriter out, int upTimeout) {
        this.base = base;
        this.context = base.context();
        this.out = out;
        this.upTimeout = upTimeout;
    }

    @Override
    public <T> T offline(ContainerConfig c, Consumer<String> stopping, Rollout.Action<T> action) throws IOException {
        try (var lock = CommandLocks.child(base.parent, c)) {
            return Offline.stopThenRun(context, c, out, stopping, action::run);
        }
    }

    @Override
    public boolean start(ContainerConfig c) {
        try {
            // The last check's state is of the guest before the stop: the next one is judged afresh.
            Files.deleteIfExists(Path.of(c.runDir()).resolve("health"));
        } catch (IOException e) {
            // not there to delete
        }
        return context.systemctl().run("start", Converter.serviceName(c.name())) == 0;
    }

    @Override
    public Optional<String> healthy(ContainerConfig c) {
        String unit = Converter.serviceName(c.name());
        HealthCheck h = c.health();
        long wait = h != null ? h.startTimeoutMillis() : upTimeout * 1000L;
        long deadline = System.nanoTime() + wait * 1_000_000L;
        long pause = h != null ? Math.max(1000, h.intervalMillis()) : 1000;
        String last = "";
        while (true) {
            String state;
            try (HostBus bus = context.bus().get()) {
                state = bus.unit(unit).activeState();
            }
            if (!state.equals("active") && !state.equals("activating")) return Optional.of(unit + " is " + state);
            if (state.equals("active")) {
                if (h != null) {
                    context.runner().run(Converter.healthCheckOnce(c));
                    Map<String, Object> s = HealthCommand.state(c);
                    Object output = s.get("output");
                    last = output == null ? "" : output.toString().strip();
                    if ("healthy".equals(s.get("health"))) return Optional.empty();
                    if ("unhealthy".equals(s.get("health"))) {
                        return Optional.of("its check failed " + s.get("failures") + " times in a row" + (last.isEmpty() ? "" : ": " + last));
                    }
                } else if (!c.boot()) {
                    return Optional.empty(); // no system to ask: running is all there is
                } else if (context.runner().run(List.of("sh", "-c", "case $(systemctl --machine=\"$1\" is-system-running 2>/dev/null) in"
                        + " running|degraded) exit 0;; esac; exit 1", "sh", c.machineName())) == 0) {
                    return Optional.empty();
                }
            }
            if (System.nanoTime() > deadline) {
                return Optional.of("not healthy within " + wait / 1000 + "s" + (h == null ? " (its system is not running)" : last.isEmpty() ? "" : ": " + last));
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted");
            }
        }
    }
}
