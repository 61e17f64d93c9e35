package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.images.BaseUpgrade;
import dev.jspawn.images.Prune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "upgrade", description = {"The how-to's update cycle in one command: update the base (as base update),"
        + " prune every child of it (as prune), and start again each child that was running, on the new version.",
        "Example: jspawn base upgrade default-ns-1 -- apt-get -y full-upgrade"})
final class BaseUpgradeCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD")
    List<String> cmd;

    @Option(names = "--prefer-base", description = "Move files the children changed to their backup dirs (see prune --prefer-base).")
    boolean preferBase;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        BaseUpgrade upgrade = new BaseUpgrade(args.base.users(), args.base.updater(out), children(out), out);
        BaseUpgrade.Result r = upgrade.run(args.name, cmd, preferBase);
        out.println();
        out.println("Upgrade of " + args.name + ":" + (r.summary().isEmpty() ? " no children." : ""));
        r.summary().forEach((child, line) -> out.println("  " + child + ": " + line));
        out.flush();
        return r.failed() ? Jspawn.FAILURE : 0;
    }

    /** A child stopped for its prune as jspawn prune --stop does it, under the child's lock, and started again with systemctl. */
    private BaseUpgrade.Children children(PrintWriter out) {
        Context context = args.base.context();
        return new BaseUpgrade.Children() {
            @Override
            public Prune.Summary stopThenPrune(ContainerConfig c, Consumer<String> stopping, BaseUpgrade.Pruning prune) throws IOException {
                try (var lock = CommandLocks.child(args.base.parent, c)) {
                    return Offline.stopThenRun(context, c, out, stopping, prune::run);
                }
            }

            @Override
            public boolean start(ContainerConfig c) {
                return context.systemctl().run("start", Converter.serviceName(c.name())) == 0;
            }
        };
    }
}
