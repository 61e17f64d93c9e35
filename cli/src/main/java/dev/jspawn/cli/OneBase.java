package dev.jspawn.cli;

import java.io.PrintWriter;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What each base subcommand about one base has (a picocli mixin): the base command above it, its own spec, and NAME. */
final class OneBase {

    @ParentCommand
    BaseCommand base;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
