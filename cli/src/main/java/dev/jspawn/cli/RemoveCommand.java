package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "remove",
        description = {"Remove a child: disable it, delete NAME.jspawn (and the NAME.jspawn.d beside it) and reload systemd, so its units go.",
                "Its upper dir (what the child wrote) is kept unless --purge."})
final class RemoveCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The container name or its machine name.")
    String name;

    @Option(names = "--purge", description = "Also delete its upper, work and backup dirs: everything the child wrote.")
    boolean purge;

    @Option(names = "--stop", description = "Stop the child first if it is running.")
    boolean stop;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SearchPath searchPath = parent.context.searchPath();
        ConfigSource source = Containers.find(searchPath, name);
        ContainerConfig c = Containers.load(searchPath, source);
        try (var lock = Locking.child(parent, c)) {
            remove(source, c, out);
        }
        out.flush();
        return 0;
    }

    private void remove(ConfigSource source, ContainerConfig c, PrintWriter out) throws IOException {
        String service = Converter.serviceName(c.name());
        Offline.remove(parent.context, c, stop, out, () -> {
            parent.context.systemctl().run("disable", "--quiet", service);
            Path dropIns = source.file().resolveSibling(source.file().getFileName() + ".d");
            if (Files.isDirectory(dropIns)) deleteTree(dropIns);
            Files.delete(source.file());
            return null;
        });
        for (Path d : source.dropIns()) {
            if (Files.exists(d)) out.println("jspawn: note: drop-in " + d + " is left in place");
        }
        if (parent.context.systemctl().run("daemon-reload") != 0) out.println("jspawn: warning: systemctl daemon-reload failed");
        out.println("Removed " + source.file() + ".");
        List<Path> dirs = new ArrayList<>(List.of(Path.of(c.upperDir()), Path.of(c.workDir()), PruneCommand.backupDir(c)));
        dirs.removeIf(p -> !Files.exists(p));
        if (purge) {
            for (Path d : dirs) deleteTree(d);
            out.println(dirs.isEmpty() ? "It had written nothing." : "Deleted " + dirs.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).get() + ".");
        } else if (!dirs.isEmpty()) {
            out.println("Kept what it wrote: " + dirs.get(0) + " (" + Sizes.human(Sizes.of(dirs.get(0))) + "); delete it with --purge.");
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
