package dev.jspawn.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.machined.HostBus;
import dev.jspawn.runtime.RangeChoice;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "status", description = "Show one container: its files, paths, unit, mount and machine.")
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The container name (child_apache) or its machine name (child-apache).")
    String name;

    @picocli.CommandLine.Option(names = "--json", description = "Print JSON: field names as in jspawn(1), JSON OUTPUT.")
    boolean json;

    @picocli.CommandLine.Option(names = "--no-pager", description = "Accepted as systemctl accepts it; jspawn never pages.")
    boolean noPager;

    /** As systemctl status: 0 running, 3 not running, 4 no such unit (here: no such container). */
    /** " (v2 in use; v3 is current: restart it to run v3)", " (v3, current)", " (current: v3)" when not mounted. */
    static String baseVersionNote(Map<String, Object> s) {
        Object used = s.get("base_version"), current = s.get("base_current");
        if (current == null) return used == null ? "" : " (" + used + ")";
        if (used == null) return " (current: " + current + ")";
        if (used.equals(current)) return " (" + used + ", current)";
        return " (" + used + " in use; " + current + " is current: restart it to run " + current + ")";
    }

    static final int NOT_RUNNING = 3;
    static final int NO_SUCH_CONTAINER = 4;

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        ConfigSource source;
        try {
            source = Containers.find(parent.context.searchPath(), name);
        } catch (UserError e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("jspawn: " + e.getMessage());
            err.flush();
            return NO_SUCH_CONTAINER;
        }
        // Its own files only: the checks against every other file are the generator's (and verify's), and what it
        // made of them is asked of systemd below, so that showing one container costs the same with 5 or 500.
        ContainerConfig c = Containers.loadAlone(parent.context.searchPath(), source);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("container", c.name());
        s.put("machine", c.machineName());
        s.put("config", source.files().stream().map(Path::toString).toList());
        s.put("template", source.template().stream().map(Path::toString).toList());
        s.put("base", c.lowerDirs());
        s.put("root", c.where());
        s.put("upper", c.upperDir());
        s.put("work", c.workDir());
        ListCommand.range(s, c);
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("mode", c.network().mode().name().toLowerCase(java.util.Locale.ROOT));
        network.put("bridge", c.network().mode() == ContainerConfig.NetworkMode.BRIDGE ? c.network().bridgeOrZone() : null);
        network.put("zone", c.network().mode() == ContainerConfig.NetworkMode.ZONE ? c.network().bridgeOrZone() : null);
        network.put("ports", c.network().ports());
        s.put("network", network);
        HostBus.UnitInfo unit, mount;
        Optional<HostBus.MachineInfo> m;
        List<String> addresses = List.of();
        String generated;
        try (HostBus bus = parent.context.bus().get()) {
            unit = bus.unit(Converter.serviceName(c.name()));
            generated = generated(source, bus.unitSource(Converter.serviceName(c.name())));
            mount = bus.unit(Converter.mountName(c));
            m = bus.machine(c.machineName());
            if (m.isPresent()) addresses = bus.addresses(c.machineName());
        }
        ListCommand.states(s, unit, mount, m);
        s.put("generated", generated);
        ListCommand.baseVersions(s, c, parent.context.proc());
        s.put("leader", m.map(HostBus.MachineInfo::leader).orElse(null));
        s.put("addresses", addresses);
        s.put("command", command(c));
        s.put("health", HealthCommand.state(c).get("health"));

        if (json) {
            Output.write(out, s);
        } else {
            out.println(c.name() + " (machine " + c.machineName() + ")");
            boolean firstFile = true;
            for (Path f : source.files()) {
                out.println((firstFile ? "   Config: " : "           ") + f + (source.template().contains(f) ? " (template)" : ""));
                firstFile = false;
            }
            if (generated.equals(NOT_GENERATED)) {
                out.println("  Warning: no units were generated from it at the last daemon-reload (it conflicts with another"
                        + " container, or it was added or fixed since): jspawn verify says why; then run: systemctl daemon-reload");
            } else if (generated.equals(OUTDATED)) {
                out.println("  Warning: its files changed since its units were generated: run systemctl daemon-reload");
            }
            out.println("     Base: " + String.join(":", c.lowerDirs()) + baseVersionNote(s));
            out.println("  Command: " + s.get("command"));
            if (c.health() != null) out.println("   Health: " + s.get("health") + " (jspawn health " + c.name() + ")");
            out.println("     Root: " + c.where());
            out.println("    Upper: " + c.upperDir());
            out.println("     Work: " + c.workDir());
            out.println("    Users: " + RangeChoice.describe(c));
            out.println("  Network: " + network.get("mode")
                    + (c.network().bridgeOrZone() != null ? " " + c.network().bridgeOrZone() : "")
                    + (c.network().ports().isEmpty() ? "" : ", ports " + String.join(" ", c.network().ports())));
            out.println("     Unit: " + Converter.serviceName(c.name()) + ": " + unit.describe());
            out.println("    Mount: " + Converter.mountName(c) + ": " + mount.describe());
            out.println("  Machine: " + m.map(i -> i.state() + ", leader " + i.leader() + ", unit " + i.unit()).orElse("not registered"));
            if (m.isPresent()) out.println("  Address: " + (addresses.isEmpty() ? "none (yet)" : String.join(", ", addresses)));
            out.flush();
        }
        return unit.activeState().equals("active") || unit.activeState().equals("reloading") ? 0 : NOT_RUNNING;
    }

    static final String GENERATED = "yes";
    static final String NOT_GENERATED = "no";
    static final String OUTDATED = "outdated";

    /**
     * Whether the generator made the container's units from these files at the last daemon-reload: "yes"; "no" (its
     * service has no SourcePath= naming its file: it was invalid then, or conflicted with another container, or it
     * did not exist yet); "outdated" (one of its files, or a new drop-in, is newer than what the generator wrote).
     */
    static String generated(ConfigSource source, HostBus.UnitSource from) {
        if (!from.sourcePath().equals(source.file().toString())) return NOT_GENERATED;
        Optional<Path> written = from.dropInPaths().stream().map(Path::of)
                .filter(p -> p.getFileName() != null && p.getFileName().toString().equals(Converter.DROP_IN)).findFirst();
        if (written.isEmpty()) return GENERATED;
        try {
            java.nio.file.attribute.FileTime at = java.nio.file.Files.getLastModifiedTime(written.get());
            for (Path f : source.files()) {
                if (java.nio.file.Files.getLastModifiedTime(f).compareTo(at) > 0) return OUTDATED;
            }
        } catch (java.io.IOException e) {
            // a file gone or not readable by this user: not told
        }
        return GENERATED;
    }

    /**
     * What the guest runs, and where that came from: its init (Boot=yes), Parameters=, or the command of its base's
     * image, as the helper wrote it at the last mount (the image's Entrypoint and Cmd).
     */
    static String command(ContainerConfig c) {
        if (c.boot()) return "the guest's init (Boot=yes)" + (c.parameters().isEmpty() ? "" : " with " + String.join(" ", c.parameters()));
        if (!c.imageCommand()) return String.join(" ", c.parameters()) + " (Parameters=)";
        Path dir = Path.of(c.runDir());
        try {
            Path file = dir.resolve(dev.jspawn.images.ImageCommand.FILE);
            if (java.nio.file.Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && java.nio.file.Files.size(file) < 65536) {
                List<String> lines = java.nio.file.Files.readAllLines(file);
                String from = lines.get(0).replaceFirst("^# Written by jspawn from ", "");
                String params = lines.stream().filter(l -> l.startsWith("Parameters=")).findFirst().orElse("Parameters=").substring(11);
                return params + " (" + from + ")";
            }
            Path error = dir.resolve(dev.jspawn.images.ImageCommand.ERROR);
            if (java.nio.file.Files.isRegularFile(error, java.nio.file.LinkOption.NOFOLLOW_LINKS) && java.nio.file.Files.size(error) < 65536) {
                return "none: " + java.nio.file.Files.readString(error).strip();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not readable by this user: told as not yet known
        }
        return "its base's image command (Boot=no without Parameters=), known once it is mounted";
    }
}
