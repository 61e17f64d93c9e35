package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "cat", description = "Print a container's configuration: NAME.jspawn, then its drop-ins in the order applied (as systemctl cat does).")
final class CatCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The container name or its machine name.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ConfigSource source = Containers.find(parent.context.searchPath(), name);
        List<Path> files = new ArrayList<>(source.files()); // a template's files first, for an instance
        boolean first = true;
        for (Path f : files) {
            if (!first) out.println();
            first = false;
            out.println("# " + f);
            try {
                String text = Files.readString(f);
                out.print(text);
                if (!text.isEmpty() && !text.endsWith("\n")) out.println();
            } catch (IOException e) {
                throw new UserError("Failed to read " + f + ": " + e.getMessage());
            }
        }
        out.flush();
        return 0;
    }
}
