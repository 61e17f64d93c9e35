package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import dev.jspawn.config.ContainerConfig;

/**
 * {@code jspawn base upgrade} as a rollout. The new version of the base is made, but the current one stays
 * current. The children then move to it in turn, a batch at a time: each is stopped, pruned reversibly
 * against the new version (what the prune removes is kept aside, see {@link Aside}), started on the new
 * version (the rollout pins it there, see {@link RolloutState}) and waited for until healthy. When every
 * child is healthy on the new version, it becomes current and the kept copies go.
 *
 * <p>When one child fails (its prune, its start, or its health), every child the rollout moved is put
 * back as it was: its kept copies restored, on the old version, started again if it was running. The
 * children not reached are not touched, and the old version stays current. A rollout killed at any point
 * is finished, or, if it was rolling back, rolled back, by the next run.
 */
public final class Rollout {

    /** What the rollout does to a child through systemd, which this module leaves to its caller. */
    public interface Children {
        /**
         * Runs {@code action} under the child's lock while nothing can mount its overlay (its service stopped if it
         * runs), and leaves the service stopped. {@code stopping} is given the service's ActiveState just before it
         * is stopped, and is not called when the service is not running.
         */
        <T> T offline(ContainerConfig c, Consumer<String> stopping, Action<T> action) throws IOException;

        /** Starts the child's service; false if that failed. */
        boolean start(ContainerConfig c);

        /** Waits for the started child to be healthy (its HealthCmd= passes, or else its system is up): empty, or why it is not. */
        Optional<String> healthy(ContainerConfig c);
    }

    @FunctionalInterface
    public interface Action<T> {
        T run() throws IOException;
    }

    /** @param order children to go first, in this order (the rest follow in file order); {@code batch} go at a time */
    public record Options(List<String> order, int batch) {
    }

    /** A line for every child, in the rollout's order; whether it failed; and what became of the rollout. */
    public record Result(Map<String, String> summary, boolean failed, String outcome) {
    }

    /** The states of a child's service in which the rollout (and upgrade --no-rollback) starts it again after stopping it. */
    static final Set<String> RUNNING = Set.of("active", "activating", "reloading");

    private final BaseStore store;
    private final BaseUsers users;
    private final BaseUpdate update;
    private final Children children;
    private final PrintWriter out;

    public Rollout(Path imageRoot, BaseUsers users, BaseUpdate update, Children children, PrintWriter out) {
        this.store = new BaseStore(imageRoot);
        this.users = users;
        this.update = update;
        this.children = children;
        this.out = out;
    }

    /** Makes the new version to roll out, not current; empty when there is nothing new (the rollout then does nothing). */
    @FunctionalInterface
    public interface Maker {
        Optional<BaseStore.Version> make() throws IOException;
    }

    /**
     * Rolls out a new version of base {@code name}, made by {@code cmd}; or, if a run was cut short, finishes or
     * rolls back that rollout instead (then {@code cmd} is not run, and may be empty).
     */
    public Result run(String name, List<String> cmd, Options options) throws IOException {
        if (cmd.isEmpty() && RolloutState.open(store, name).isEmpty()) {
            throw new BaseFailure("no rollout of " + name + " to finish; give the command that updates it: jspawn base upgrade " + name + " -- CMD");
        }
        return run(name, cmd.isEmpty() ? "" : String.join(" ", cmd), () -> Optional.of(update.run(name, cmd, false)), options);
    }

    /**
     * Rolls out the version {@code make} makes (under the base's lock, once no rollout is pending); {@code what} names
     * what makes it, for the line that says it is not run when a rollout cut short is finished instead.
     */
    public Result run(String name, String what, Maker make, Options options) throws IOException {
        BaseStore.validName(name);
        try (var lock = update.lock(name)) {
            Optional<RolloutState> pending = RolloutState.open(store, name);
            if (pending.isPresent()) {
                RolloutState s = pending.get();
                boolean back = s.phase() == RolloutState.Phase.BACK;
                say("A rollout of " + name + " from v" + s.plan().from() + " to v" + s.plan().to() + " was cut short; "
                        + (back ? "rolling it back, as it was doing" : "finishing it") + (what.isEmpty() ? "" : " (" + what
                        + " is not run: run the upgrade again for that)"));
                Map<String, ContainerConfig> configs = configs(name, s.plan().children());
                if (back) return back(name, s, configs, new LinkedHashMap<>());
                if (!Files.isDirectory(store.store(name).resolve("v" + s.plan().to()), LinkOption.NOFOLLOW_LINKS)) {
                    Map<String, String> why = new LinkedHashMap<>();
                    why.put("", "v" + s.plan().to() + " is gone");
                    return back(name, s, configs, why);
                }
                return forward(name, s, configs);
            }
            List<ContainerConfig> of = ordered(name, users.children(name), options.order());
            Optional<BaseStore.Version> made = make.make();
            if (made.isEmpty()) return new Result(Map.of(), false, "had nothing to do: " + name + " has no new version");
            BaseStore.Version to = made.get();
            int from = store.versions(name).stream().filter(BaseStore.Version::current).findFirst()
                    .orElseThrow(() -> new BaseFailure("base " + name + " has no current version")).number();
            Map<String, ContainerConfig> configs = new LinkedHashMap<>();
            for (ContainerConfig c : of) configs.put(c.name(), c);
            RolloutState s = RolloutState.begin(store, name, new RolloutState.Plan(from, to.number(), List.copyOf(configs.keySet()),
                    Math.max(1, options.batch())));
            for (ContainerConfig c : users.held(name)) {
                say(c.name() + ": held on " + Path.of(c.lowerDirs().get(0)).getFileName() + " by BaseVersion= in " + c.source().file() + "; not upgraded");
            }
            return forward(name, s, configs);
        }
    }

    /** The children in the rollout's order: those named in {@code order} first, in that order, then the rest in file order. */
    static List<ContainerConfig> ordered(String base, List<ContainerConfig> all, List<String> order) throws BaseFailure {
        Map<String, ContainerConfig> byName = new LinkedHashMap<>();
        for (ContainerConfig c : all) byName.put(c.name(), c);
        List<ContainerConfig> out = new ArrayList<>();
        for (String n : order) {
            ContainerConfig c = byName.remove(n);
            if (c == null) {
                throw new BaseFailure("--order: " + n + " is no child of " + base + (all.isEmpty() ? " (it has none)"
                        : " (its children: " + String.join(", ", all.stream().map(ContainerConfig::name).toList()) + ")"));
            }
            out.add(c);
        }
        out.addAll(byName.values());
        return out;
    }

    private Map<String, ContainerConfig> configs(String name, List<String> planned) {
        Map<String, ContainerConfig> byName = new LinkedHashMap<>();
        for (ContainerConfig c : users.children(name)) byName.put(c.name(), c);
        Map<String, ContainerConfig> out = new LinkedHashMap<>();
        for (String n : planned) out.put(n, byName.get(n)); // null: its configuration is gone since
        return out;
    }

    private Result forward(String name, RolloutState s, Map<String, ContainerConfig> configs) throws IOException {
        String to = "v" + s.plan().to();
        Map<String, String> lines = new LinkedHashMap<>();
        List<String> todo = new ArrayList<>();
        for (String n : s.plan().children()) {
            if (s.done(n)) lines.put(n, "on " + to + " (done by the run that was cut short)");
            else todo.add(n);
        }
        for (int i = 0; i < todo.size(); i += s.plan().batch()) {
            List<String> batch = todo.subList(i, Math.min(todo.size(), i + s.plan().batch()));
            Map<String, String> failure = new LinkedHashMap<>();
            List<ContainerConfig> moved = new ArrayList<>();
            for (String n : batch) {
                ContainerConfig c = configs.get(n);
                if (c == null) {
                    failure.put(n, "its configuration is gone");
                    break;
                }
                if (!s.pinned(n) && !Files.isDirectory(Path.of(c.upperDir()), LinkOption.NOFOLLOW_LINKS)) {
                    s.markDone(n);
                    lines.put(n, "never started (no upper dir): nothing to prune; it starts on " + to + " once that is current");
                    continue;
                }
                say(n + ": stopping it and pruning it against " + to + " (what the prune removes is kept aside until the rollout is done)");
                try {
                    s.pin(n); // before anything of it changes: from now on it mounts and prunes against the new version
                    Prune.Summary p = children.offline(c, state -> {
                        if (RUNNING.contains(state)) {
                            try {
                                s.markRunning(n);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    }, () -> Prune.reversible(c, a -> {
                        if (a.kind() == Prune.Kind.KEEP_CHANGED) out.println(n + ": " + a);
                    }).run());
                    lines.put(n, "removed " + p.removed() + " identical files (kept aside), kept " + p.kept() + " changed");
                    moved.add(c);
                } catch (IOException | RuntimeException e) {
                    failure.put(n, "prune against " + to + " failed: " + e.getMessage());
                    break;
                }
            }
            if (failure.isEmpty()) {
                for (ContainerConfig c : moved) {
                    if (!s.wasRunning(c.name())) continue;
                    say(c.name() + ": starting it on " + to);
                    if (!children.start(c)) {
                        failure.put(c.name(), "failed to start on " + to);
                        break;
                    }
                }
            }
            if (failure.isEmpty()) {
                for (ContainerConfig c : moved) {
                    if (!s.wasRunning(c.name())) continue;
                    say(c.name() + ": waiting for it to be healthy on " + to);
                    Optional<String> why = children.healthy(c);
                    if (why.isPresent()) {
                        failure.put(c.name(), "not healthy on " + to + ": " + why.get());
                        break;
                    }
                }
            }
            if (!failure.isEmpty()) return back(name, s, configs, failure);
            for (ContainerConfig c : moved) {
                lines.merge(c.name(), s.wasRunning(c.name()) ? "healthy on " + to : "was not running: not started", (a, b) -> a + "; " + b);
                s.markDone(c.name());
            }
        }
        // Every child is on the new version: it becomes current, and then what the prunes kept aside goes.
        s.phase(RolloutState.Phase.COMMIT);
        store.makeCurrent(name, s.plan().to());
        for (String n : s.plan().children()) {
            ContainerConfig c = configs.get(n);
            if (c != null) Aside.drop(RolloutState.asideDir(c));
            s.unpin(n);
        }
        s.end();
        return new Result(lines, false, "finished: " + to + " is current, and every child is on it");
    }

    /**
     * Puts every child the rollout moved back as it was, last moved first: its kept copies restored, on the old
     * version, started again if it was running. {@code failure}: the child that failed and why.
     */
    private Result back(String name, RolloutState s, Map<String, ContainerConfig> configs, Map<String, String> failure) throws IOException {
        s.phase(RolloutState.Phase.BACK);
        String from = "v" + s.plan().from(), to = "v" + s.plan().to();
        Map<String, String> lines = new LinkedHashMap<>();
        failure.forEach((n, why) -> say((n.isEmpty() ? "" : n + ": ") + why + "; rolling back"));
        boolean clean = true, finished = true; // finished: nothing a rerun could still do (what could not go back is reported)
        List<String> reversed = new ArrayList<>(s.plan().children());
        java.util.Collections.reverse(reversed);
        for (String n : reversed) {
            // Not pinned but still marked running: a run cut short put it back, and was killed before it had started it again.
            boolean pinned = s.pinned(n);
            if (!pinned && !s.wasRunning(n)) continue;
            ContainerConfig c = configs.get(n);
            if (c == null) {
                lines.put(n, "its configuration is gone: nothing could be put back; what its prune kept aside is in its NAME_rollout dir");
                s.unpin(n);
                clean = false;
                continue;
            }
            String line;
            try {
                if (pinned) {
                    say(n + ": putting it back on " + from + " with the copies its prune removed");
                    Aside.Restored r = children.offline(c, state -> { }, () -> Aside.restore(Path.of(c.upperDir()), RolloutState.asideDir(c)));
                    s.unpin(n); // from here it mounts the old version again
                    line = "back on " + from + ", " + r.restored() + " removed copies restored"
                            + (r.superseded() > 0 ? " (" + r.superseded() + " the guest had replaced since)" : "");
                    if (!r.left().isEmpty()) {
                        line += "; could not put back, left in " + c.asideDir() + ": " + String.join(", ", r.left());
                        clean = false;
                    }
                } else {
                    line = "back on " + from + " (put back by the run that was cut short)";
                }
                if (s.wasRunning(n)) {
                    line += children.start(c) ? "; started again" : "; FAILED to start again";
                    s.startedAgain(n);
                }
            } catch (IOException | RuntimeException e) {
                line = "FAILED to put it back: " + e.getMessage() + "; run jspawn base upgrade " + name + " again to retry";
                clean = false;
                finished = false;
            }
            lines.put(n, line);
        }
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String n : s.plan().children()) {
            String why = failure.get(n);
            String line = lines.getOrDefault(n, "not reached: untouched, on " + from);
            ordered.put(n, why == null ? line : why + "; " + line);
        }
        if (finished) s.end();
        String kept = to + " is kept, not current (jspawn base gc removes it)";
        return new Result(ordered, true, clean ? "rolled back: " + from + " stays current and every child the rollout reached is back on it; " + kept
                : finished ? "rolled back, " + from + " stays current, but not everything could be put back (see above); " + kept
                : "rolled back in part (see above): run jspawn base upgrade " + name + " again to finish rolling back");
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
