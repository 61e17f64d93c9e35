package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.Collisions;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerName;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import dev.jspawn.generator.OutputWriter;
import dev.jspawn.runtime.UserError;
import dev.jspawn.syntax.SystemdIniParser;
import dev.jspawn.syntax.UnitFile;
import dev.jspawn.syntax.UnitWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "create",
        description = {"Write NAME.jspawn into the first directory of the search path (/etc/jspawn) and reload systemd.",
                "The same as writing the file by hand (see jspawn.jspawn(5)); the child costs no disk until it writes."})
final class CreateCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The container name (A-Z a-z 0-9 _ . -).")
    String name;

    @Option(names = "--base", required = true, paramLabel = "BASE", description = "The base: a name under the image root, or an absolute path.")
    String base;

    @Option(names = "--machine-name", paramLabel = "MACHINE", description = "The machine name (default: NAME with '_' as '-').")
    String machineName;

    @Option(names = "--network", paramLabel = "MODE", defaultValue = "veth",
            description = "veth (default), host, none (loopback only), bridge:BRIDGE or zone:ZONE.")
    String network;

    @Option(names = "--port", paramLabel = "[tcp:|udp:]HOST[:CONTAINER]", description = "Forward a port (repeatable).")
    List<String> ports = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "SOURCE[:DEST[:OPTIONS]]", description = "Bind a host path (repeatable).")
    List<String> binds = new ArrayList<>();

    @Option(names = "--bind-ro", paramLabel = "SOURCE[:DEST[:OPTIONS]]", description = "Bind a host path read-only (repeatable).")
    List<String> bindsReadOnly = new ArrayList<>();

    @Option(names = "--no-reload", description = "Do not run systemctl daemon-reload.")
    boolean noReload;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SearchPath searchPath = parent.context.searchPath();
        ContainerName.problem(name).ifPresent(p -> {
            throw new UserError(p);
        });
        searchPath.scan().sources().stream().filter(s -> s.name().equals(name)).findFirst().ifPresent(s -> {
            throw new UserError(name + " is already configured in " + s.file());
        });
        UnitFile unit = new UnitFile().add("Container", "Base", base);
        if (machineName != null) unit.add("Container", "MachineName", machineName);
        for (String b : binds) unit.add("Files", "Bind", b);
        for (String b : bindsReadOnly) unit.add("Files", "BindReadOnly", b);
        if (network.equals("host")) {
            unit.add("Network", "VirtualEthernet", "no");
        } else if (network.equals("none")) {
            unit.add("Network", "VirtualEthernet", "no").add("Network", "Private", "yes");
        } else if (network.startsWith("bridge:")) {
            unit.add("Network", "Bridge", network.substring(7));
        } else if (network.startsWith("zone:")) {
            unit.add("Network", "Zone", network.substring(5));
        } else if (!network.equals("veth")) {
            throw new UserError("--network takes veth, host, none, bridge:BRIDGE or zone:ZONE, not \"" + network + "\"");
        }
        for (String p : ports) unit.add("Network", "Port", p);

        Path dir = searchPath.dirs().get(0);
        Path file = dir.resolve(name + SearchPath.SUFFIX);
        String text;
        try {
            text = UnitWriter.write(unit, "Made by jspawn create; edit it freely (see jspawn.jspawn(5)).");
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        // The same checks as a hand-written file gets: parse the text back and load it.
        ConfigSource source = new ConfigSource(name, file, List.of());
        var parsed = SystemdIniParser.parse(file, text.getBytes(StandardCharsets.UTF_8));
        Bases bases = Bases.load(searchPath);
        var loaded = ConfigLoader.load(source, List.of(parsed.unit()), bases);
        List<String> problems = new ArrayList<>();
        parsed.errors().forEach(d -> problems.add(d.toString()));
        loaded.errors().forEach(d -> problems.add(d.message()));
        if (loaded.ok()) {
            // As the generator will judge it beside the others; and what it cannot check at boot: that the bases exist.
            List<ContainerConfig> others = ConfigLoader.loadAll(searchPath.scan().sources(), bases).values().stream()
                    .filter(ConfigLoader.Result::ok).map(r -> r.config().get()).toList();
            problems.addAll(Collisions.against(loaded.config().get(), others));
            for (String lower : loaded.config().get().lowerDirs()) {
                if (!Files.isDirectory(Path.of(lower))) problems.add("the base directory " + lower + " does not exist");
            }
            try {
                OutputWriter.render(Converter.convert(loaded.config().get())); // what the generator will write, with its limits
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("not created:");
            problems.forEach(p -> sb.append("\n  ").append(p));
            throw new UserError(sb.toString());
        }
        try (var lock = dev.jspawn.images.Locks.child(parent.context.lockDir(), Path.of(loaded.config().get().imageRoot()), name, parent.lockPolicy())) {
            write(dir, file, text);
        }
        if (!noReload && parent.context.systemctl().run("daemon-reload") != 0) {
            out.println("jspawn: warning: systemctl daemon-reload failed; run it before starting " + name);
        }
        out.println("Created " + file + ". Start it with: systemctl start jspawn@" + name
                + " (and at boot: systemctl enable jspawn@" + name + ")");
        out.flush();
        return 0;
    }

    private void write(Path dir, Path file, String text) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + name + SearchPath.SUFFIX + ".tmp" + ProcessHandle.current().pid());
        Files.writeString(tmp, text);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE); // no REPLACE_EXISTING: never over a file made meanwhile
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new UserError("Failed to create " + file + ": " + e.getMessage());
        }
    }
}
