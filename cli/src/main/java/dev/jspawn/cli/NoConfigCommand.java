package dev.jspawn.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.SearchPath;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The ExecStart= of the jspawn@.service template itself, which only runs when the generator wrote
 * no drop-in for the instance: says why, and fails the start.
 */
@Command(name = "no-config", hidden = true, description = "Explain why jspawn@NAME.service has no configuration (run by the template).")
final class NoConfigCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SearchPath searchPath = parent.context.searchPath();
        Optional<ConfigSource> source = searchPath.find(name);
        int at = name.indexOf('@');
        java.util.Optional<java.nio.file.Path> template = at < 0 ? Optional.empty() : searchPath.dirs().stream()
                .map(d -> d.resolve(name.substring(0, at + 1) + SearchPath.SUFFIX)).filter(java.nio.file.Files::isRegularFile).findFirst();
        if (source.isEmpty() && template.isPresent()) {
            err.println("jspawn: no container " + name + ": an instance of the template " + template.get() + " needs a file of its own"
                    + " (the generator writes units per container): ln -s " + template.get().getFileName() + " "
                    + template.get().resolveSibling(name + SearchPath.SUFFIX) + ", then run: systemctl daemon-reload");
        } else if (source.isEmpty()) {
            err.println("jspawn: no container " + name + ": there is no " + name + SearchPath.SUFFIX + " in " + searchPath.describe()
                    + ". Create one (see jspawn.jspawn(5)), then run: systemctl daemon-reload");
        } else {
            ConfigLoader.Result r = Containers.checked(searchPath, source.get());
            if (r.ok()) {
                err.println("jspawn: " + source.get().file() + " is valid but its units were not generated yet: run systemctl daemon-reload");
            } else {
                err.println("jspawn: " + source.get().file() + " is invalid, so no units were generated for it:");
                dev.jspawn.syntax.Diagnostic.capped(r.errors()).forEach(d -> err.println("  " + d));
            }
        }
        err.flush();
        return Jspawn.FAILURE;
    }
}
