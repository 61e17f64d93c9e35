package dev.jspawn.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.machined.HostBus;
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

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        ConfigSource source = Containers.find(parent.context.searchPath(), name);
        ContainerConfig c = Containers.load(parent.context.searchPath(), source);
        out.println(c.name() + " (machine " + c.machineName() + ")");
        boolean firstFile = true;
        for (Path f : source.files()) {
            out.println((firstFile ? "   Config: " : "           ") + f + (source.template().contains(f) ? " (template)" : ""));
            firstFile = false;
        }
        out.println("     Base: " + String.join(":", c.lowerDirs()));
        out.println("     Root: " + c.where());
        out.println("    Upper: " + c.upperDir());
        out.println("     Work: " + c.workDir());
        out.println("    Users: " + Ranges.describe(c));
        out.println("  Network: " + c.network().mode().name().toLowerCase()
                + (c.network().bridgeOrZone() != null ? " " + c.network().bridgeOrZone() : "")
                + (c.network().ports().isEmpty() ? "" : ", ports " + String.join(" ", c.network().ports())));
        try (HostBus bus = parent.context.bus().get()) {
            out.println("     Unit: " + Converter.serviceName(c.name()) + ": " + bus.unit(Converter.serviceName(c.name())).describe());
            out.println("    Mount: " + Converter.mountName(c) + ": " + bus.unit(Converter.mountName(c)).describe());
            Optional<HostBus.MachineInfo> m = bus.machine(c.machineName());
            out.println("  Machine: " + m.map(i -> i.state() + ", leader " + i.leader() + ", unit " + i.unit()).orElse("not registered"));
            if (m.isPresent()) {
                java.util.List<String> addresses = bus.addresses(c.machineName());
                out.println("  Address: " + (addresses.isEmpty() ? "none (yet)" : String.join(", ", addresses)));
            }
        }
        out.flush();
        return 0;
    }
}
