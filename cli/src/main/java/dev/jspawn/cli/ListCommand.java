package dev.jspawn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import dev.jspawn.machined.HostBus;
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

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SearchPath.Scan scan = parent.context.searchPath().scan();
        Bases bases = Bases.load(parent.context.searchPath());
        scan.errors().forEach(d -> err.println("jspawn: " + d));
        bases.errors().forEach(d -> err.println("jspawn: " + d));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"CONTAINER", "MACHINE", "UNIT", "MOUNT", "MACHINE-STATE", "UPPER", "UID-RANGE"});
        try (HostBus bus = parent.context.bus().get()) {
            for (var entry : ConfigLoader.loadAll(scan.sources(), bases).entrySet()) {
                ConfigSource s = entry.getKey();
                ConfigLoader.Result r = entry.getValue();
                if (!r.ok()) {
                    rows.add(new String[] {s.name(), "-", "invalid config (see: jspawn verify " + s.file() + ")", "-", "-", "-", "-"});
                    continue;
                }
                ContainerConfig c = r.config().get();
                rows.add(new String[] {c.name(), c.machineName(),
                        bus.unit(Converter.serviceName(c.name())).describe(),
                        bus.unit(Converter.mountName(c)).describe(),
                        bus.machine(c.machineName()).map(HostBus.MachineInfo::state).orElse("-"),
                        Sizes.human(Sizes.of(java.nio.file.Path.of(c.upperDir()))), Ranges.brief(c)});
            }
        }
        Table.print(out, rows);
        out.println();
        out.println((rows.size() - 1) + (rows.size() == 2 ? " container listed." : " containers listed."));
        out.flush();
        return 0;
    }
}
