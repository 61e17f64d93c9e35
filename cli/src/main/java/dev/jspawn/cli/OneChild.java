package dev.jspawn.cli;

import java.io.PrintWriter;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What each command about one child has (a picocli mixin): the jspawn command above it, its spec, and NAME.
 * Those that change its directories add --stop (StopOption).
 */
final class OneChild {

    @ParentCommand
    Jspawn parent;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The container name or its machine name.")
    String name;

    Context context() {
        return parent.context;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
