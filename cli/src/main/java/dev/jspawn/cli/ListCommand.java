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

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SearchPath.Scan scan = parent.context.searchPath().scan();
        Bases bases = Bases.load(parent.context.searchPath());
        scan.errors().forEach(d -> err.println("jspawn: " + d));
        bases.errors().forEach(d -> err.println("jspawn: " + d));
        List<Map<String, Object>> rows = new ArrayList<>();
        try (HostBus bus = parent.context.bus().get()) {
            for (var entry : ConfigLoader.loadAll(scan.sources(), bases).entrySet()) {
                rows.add(row(entry.getKey(), entry.getValue(), bus, parent.context.proc()));
            }
        }
        err.flush();
        output.rows(out, COLUMNS, rows, "container");
        return 0;
    }

    /** One container as list --json shows it (jspawn(1), JSON OUTPUT). */
    static Map<String, Object> row(ConfigSource s, ConfigLoader.Result r, HostBus bus, java.nio.file.Path proc) throws java.io.IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("container", s.name());
        row.put("config", s.file().toString());
        row.put("valid", r.ok());
        ContainerConfig c = r.config().orElse(null);
        row.put("machine", c == null ? null : c.machineName());
        states(row, c == null ? null : bus.unit(Converter.serviceName(c.name())), c == null ? null : bus.unit(Converter.mountName(c)),
                c == null ? Optional.empty() : bus.machine(c.machineName()));
        long size = c == null ? -1 : Sizes.of(java.nio.file.Path.of(c.upperDir()));
        row.put("upper_bytes", size < 0 ? null : size);
        range(row, c);
        baseVersions(row, c, proc);
        row.put("health", c == null ? null : HealthCommand.state(c).get("health"));
        return row;
    }

    /**
     * base_version (the version of its topmost base that the child's mounted overlay shows, null when it is not
     * mounted or that cannot be told) and base_current (that base's current version, "missing" when the current
     * link names a version that is gone; null for a plain base directory or one this user cannot read).
     */
    static void baseVersions(Map<String, Object> row, ContainerConfig c, java.nio.file.Path proc) {
        row.put("base_version", null);
        row.put("base_current", null);
        if (c == null || c.lowerDirs().isEmpty()) return;
        java.nio.file.Path base = java.nio.file.Path.of(c.lowerDirs().get(0));
        BaseStore store = new BaseStore(base.getParent());
        String name = base.getFileName().toString();
        try {
            if (!store.isVersioned(name)) return;
            List<BaseStore.Version> versions = store.versions(name);
            row.put("base_current", versions.stream().filter(BaseStore.Version::current).map(BaseStore.Version::label).findFirst().orElse("missing"));
            if (MountInfo.using(proc, c.where(), List.of()).isEmpty()) return;
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
