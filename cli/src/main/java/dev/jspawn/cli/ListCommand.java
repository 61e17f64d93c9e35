package dev.jspawn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import dev.jspawn.images.BaseProbes;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.Sizes;
import dev.jspawn.machined.HostBus;
import dev.jspawn.runtime.RangeChoice;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "List every configured container with the state of its unit, its mount and its machine.")
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    Output output = new Output();

    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("CONTAINER", "container"), Output.Column.of("MACHINE", "machine"),
            new Output.Column("UNIT", r -> Boolean.TRUE.equals(r.get("valid")) ? state(r, "unit") : "invalid config (see: jspawn verify " + r.get("config") + ")"),
            new Output.Column("MOUNT", r -> state(r, "mount")), Output.Column.of("MACHINE-STATE", "machine_state"),
            new Output.Column("UPPER", r -> r.get("upper_bytes") == null ? "-" : Sizes.human((Long) r.get("upper_bytes"))),
            new Output.Column("UID-RANGE", r -> r.get("uid_range_start") != null ? r.get("uid_range_start").toString()
                    : Boolean.FALSE.equals(r.get("user_namespace")) ? "host-root" : "-"),
            new Output.Column("HEALTH", r -> r.get("health") == null ? "-" : r.get("health").toString()),
            new Output.Column("BASE-VERSION", ListCommand::version));

    /** "v3"; "v2 (v3 is current)" for a child that still runs an older version; "-" when not mounted or not told. */
    static String version(Map<String, Object> row) {
        Object used = row.get("base_version"), current = row.get("base_current");
        if (used == null) return "-";
        return used.equals(current) || current == null ? used.toString() : used + " (" + current + " is current)";
    }

    /** "active (running)", as systemctl shows a unit's state; "-" for an invalid container. */
    static String state(Map<String, Object> row, String unit) {
        if (row.get(unit) == null) return "-";
        return row.get(unit + "_sub") == null ? row.get(unit).toString() : row.get(unit) + " (" + row.get(unit + "_sub") + ")";
    }

    @picocli.CommandLine.Option(names = {"-s", "--size"}, description = "Also walk each upper dir for its size (the UPPER column, upper_bytes in"
            + " --json), as podman ps --size does; without it no upper dir is walked.")
    boolean size;

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SearchPath.Scan scan = parent.context.searchPath().scan();
        // What systemd, machined and the kernel know, asked once for all: ListUnitsByNames for the services and for the
        // mounts, one ListMachines, one mountinfo. The services' call, the connection and ListMachines run while the
        // files are read: systemd has not loaded a stopped container's service, and loads each for the call (241-310 ms
        // for 500 on systemd 257), but its name comes from the file's name alone (the scan keeps only container names).
        List<String> services = new ArrayList<>();
        for (ConfigSource s : scan.sources()) services.add(Converter.serviceName(s.name()));
        try (Early early = Early.start(parent.context.bus(), services)) {
            Bases bases = Bases.load(parent.context.searchPath());
            scan.errors().forEach(d -> err.println("jspawn: " + d));
            bases.errors().forEach(d -> err.println("jspawn: " + d));
            Map<ConfigSource, ConfigLoader.Result> all = ConfigLoader.loadAll(scan.sources(), bases);
            list(out, err, all, early.answer());
        }
        return 0;
    }

    private void list(PrintWriter out, PrintWriter err, Map<ConfigSource, ConfigLoader.Result> all, Early.Answer asked)
            throws java.io.IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> mounts = new ArrayList<>();
        for (ConfigLoader.Result r : all.values()) r.config().ifPresent(c -> mounts.add(Converter.mountName(c)));
        // The mount table read once, and only if a versioned base asks which version a mounted child runs.
        java.util.Set<String>[] mountTable = new java.util.Set[1];
        java.util.function.Function<String, Boolean> mounted = where -> {
            if (mountTable[0] == null) mountTable[0] = MountInfo.mounted(parent.context.proc());
            return mountTable[0].contains(where);
        };
        Map<java.nio.file.Path, Optional<List<BaseStore.Version>>> versions = new java.util.HashMap<>();
        HostBus bus = asked.bus();
        Map<String, HostBus.UnitInfo> units = new java.util.HashMap<>(asked.services());
        units.putAll(bus.units(mounts));
        java.util.Set<String> machines = asked.machines();
        for (var entry : all.entrySet()) {
            ContainerConfig c = entry.getValue().config().orElse(null);
            Map<String, Object> row = row(entry.getKey(), entry.getValue());
            if (c != null) {
                states(row, units.get(Converter.serviceName(c.name())), units.get(Converter.mountName(c)),
                        machines.contains(c.machineName()) ? bus.machine(c.machineName()) : Optional.empty());
                long bytes = size ? Sizes.of(java.nio.file.Path.of(c.upperDir())) : -1;
                row.put("upper_bytes", bytes < 0 ? null : bytes);
                range(row, c);
                baseVersions(row, c, () -> mounted.apply(c.where()), versions);
                row.put("health", HealthCommand.state(c).get("health"));
            } else {
                states(row, null, null, Optional.empty());
                row.put("upper_bytes", null);
                range(row, null);
                baseVersions(row, null, () -> false, versions);
                row.put("health", null);
            }
            rows.add(row);
        }
        err.flush();
        output.rows(out, COLUMNS, rows, "container");
    }

    /**
     * The bus connection, the services' states and the machines' names, asked on a thread of their own from its start;
     * {@link #answer} waits for them, and rethrows what that thread failed with. Closing waits too, then closes the connection.
     */
    static final class Early implements AutoCloseable {
        record Answer(HostBus bus, Map<String, HostBus.UnitInfo> services, java.util.Set<String> machines) {
        }

        private final java.util.concurrent.FutureTask<Answer> task;

        private Early(java.util.concurrent.FutureTask<Answer> task) {
            this.task = task;
        }

        static Early start(java.util.function.Supplier<HostBus> connect, List<String> services) {
            Early early = new Early(new java.util.concurrent.FutureTask<>(() -> {
                HostBus bus = connect.get();
                try {
                    return new Answer(bus, bus.units(services), bus.machineNames());
                } catch (RuntimeException e) {
                    bus.close();
                    throw e;
                }
            }));
            Thread thread = new Thread(early.task, "jspawn-list-bus");
            thread.setDaemon(true);
            thread.start();
            return early;
        }

        Answer answer() {
            try {
                return task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostBus.Failure("Interrupted while asking systemd and machined", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error x) throw x;
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public void close() {
            Answer a;
            try {
                a = answer();
            } catch (RuntimeException | Error e) {
                return; // nothing to close, and what failed is said where it was asked for, if it was
            }
            a.bus().close();
        }
    }

    /** One container as list --json shows it (jspawn(1), JSON OUTPUT): what its files say; the rest is added in that order. */
    static Map<String, Object> row(ConfigSource s, ConfigLoader.Result r) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("container", s.name());
        row.put("config", s.file().toString());
        row.put("valid", r.ok());
        row.put("machine", r.config().map(ContainerConfig::machineName).orElse(null));
        return row;
    }

    /** As {@link #baseVersions(Map, ContainerConfig, java.util.function.BooleanSupplier, Map)}, for this one child. */
    static void baseVersions(Map<String, Object> row, ContainerConfig c, java.nio.file.Path proc) {
        baseVersions(row, c, () -> MountInfo.using(proc, c.where(), List.of()).isPresent(), new java.util.HashMap<>());
    }

    /**
     * base_version (the version of its topmost base that the child's mounted overlay shows, null when it is not
     * mounted or that cannot be told) and base_current (that base's current version, "missing" when the current
     * link names a version that is gone; null for a plain base directory or one this user cannot read).
     */
    static void baseVersions(Map<String, Object> row, ContainerConfig c, java.util.function.BooleanSupplier mounted,
            Map<java.nio.file.Path, Optional<List<BaseStore.Version>>> known) {
        row.put("base_version", null);
        row.put("base_current", null);
        if (c == null || c.lowerDirs().isEmpty()) return;
        java.nio.file.Path base = java.nio.file.Path.of(c.lowerDirs().get(0));
        BaseStore store = new BaseStore(base.getParent());
        String name = base.getFileName().toString();
        try {
            // Each base's versions read once for a listing (known), however many children it has.
            if (!known.containsKey(base)) known.put(base, store.isVersioned(name) ? Optional.of(store.versions(name)) : Optional.empty());
            if (known.get(base).isEmpty()) return;
            List<BaseStore.Version> versions = known.get(base).get();
            row.put("base_current", versions.stream().filter(BaseStore.Version::current).map(BaseStore.Version::label).findFirst().orElse("missing"));
            if (!mounted.getAsBoolean()) return;
            java.util.Set<Integer> used = new BaseProbes(base.getParent()).usedBy(name, c);
            if (used.size() == 1) row.put("base_version", "v" + used.iterator().next());
        } catch (java.io.IOException | UserError e) {
            // not readable by this user (the image root is root's alone): not told
        }
    }

    /** unit, unit_sub, mount, mount_sub, machine_state: as list --json and status --json both have them (null when unknown). */
    static void states(Map<String, Object> row, HostBus.UnitInfo unit, HostBus.UnitInfo mount, Optional<HostBus.MachineInfo> machine) {
        row.put("unit", unit == null ? null : unitState(unit));
        row.put("unit_sub", unit == null || !unit.loadState().equals("loaded") ? null : unit.subState());
        row.put("mount", mount == null ? null : unitState(mount));
        row.put("mount_sub", mount == null || !mount.loadState().equals("loaded") ? null : mount.subState());
        row.put("machine_state", machine.map(HostBus.MachineInfo::state).orElse(null));
    }

    /** uid_range_start and user_namespace (null before the first start), from the upper dir's owner. */
    static void range(Map<String, Object> row, ContainerConfig c) throws java.io.IOException {
        String range = c == null ? "-" : RangeChoice.brief(c);
        row.put("uid_range_start", range.matches("[0-9]+") ? Long.parseLong(range) : null);
        row.put("user_namespace", range.equals("-") ? null : !range.equals("host-root"));
    }

    /** The unit's active state, or its load state when systemd does not have it loaded (not-found, masked, ...). */
    static String unitState(HostBus.UnitInfo u) {
        return u.loadState().equals("loaded") ? u.activeState() : u.loadState();
    }
}
