package dev.jspawn.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "update", description = {"Make a new version of a base: run CMD with systemd-nspawn on an overlay of the current one; what it changes"
        + " becomes one new layer on top (nothing is copied), and the new version is made current.",
        "Running children keep their version until they restart. Example: jspawn base update default-ns-1 -- apt-get -y full-upgrade"})
final class BaseUpdateCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command to run in the new version (after --).")
    List<String> cmd;

    @Override
    public Integer call() throws IOException {
        args.base.updater(args.out()).run(args.name, cmd);
        return 0;
    }
}
