package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.jspawn.images.BaseUpgrade;
import dev.jspawn.images.Rollout;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "upgrade", description = {"The how-to's update cycle as a rollout: make the new version of the base with CMD (as base update),"
        + " but keep the current one current; then, child by child, stop it, prune it against the new version (keeping what the prune"
        + " removes aside), start it on the new version and wait until it is healthy (its HealthCmd= passes; without one, its system is"
        + " running or degraded). When every child is healthy, the new version becomes current. When one is not, every child it reached"
        + " goes back to the old version with its removed copies, the rest are not touched, and the exit status is non-zero.",
        "Run again after it was killed (CMD may then be left out), it finishes the rollout or rolls it back, and says which.",
        "Example: jspawn base upgrade default-ns-1 -- apt-get -y full-upgrade"})
final class BaseUpgradeCommand implements Callable<Integer> {

    /** How long a child without HealthCmd= may take to come up, by default. */
    static final int DEFAULT_UP_TIMEOUT = 300;

    @Mixin
    OneBase args;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD")
    List<String> cmd = new ArrayList<>();

    @Option(names = "--order", split = ",", paramLabel = "CHILD[,CHILD...]",
            description = "Move these children first, in this order; the rest follow in file order (the default order).")
    List<String> order = new ArrayList<>();

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Move N children at a time (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--up-timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_UP_TIMEOUT,
            description = "How long a child without HealthCmd= may take to be running or degraded (default: ${DEFAULT-VALUE});"
                    + " one with a check has its start period and retries.")
    int upTimeout;

    @Option(names = "--no-rollback", description = "No rollout: make the new version current at once, prune every child and start again"
            + " those that were running, checking nothing (what upgrade did before rollouts).")
    boolean noRollback;

    @Option(names = "--prefer-base", description = "Move files the children changed to their backup dirs (see prune --prefer-base);"
            + " with --no-rollback only, since a rollback could not tell them back.")
    boolean preferBase;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        if (batch < 1) throw new UserError("--batch takes a number of children, 1 or more, not " + batch);
        if (upTimeout < 1) throw new UserError("--up-timeout takes seconds, 1 or more, not " + upTimeout);
        if (preferBase && !noRollback) {
            throw new UserError("--prefer-base moves the children's changed files away, which a rollback would not bring back; use it with --no-rollback");
        }
        if (noRollback) {
            if (cmd.isEmpty()) throw new UserError("--no-rollback: give the command that updates the base: jspawn base upgrade " + args.name + " --no-rollback -- CMD");
            if (!order.isEmpty() || batch != 1) throw new UserError("--order and --batch are for a rollout, not with --no-rollback");
            BaseUpgrade upgrade = new BaseUpgrade(args.base.users(), args.base.updater(out), children(out), out);
            BaseUpgrade.Result r = upgrade.run(args.name, cmd, preferBase);
            print(out, r.summary(), null);
            return r.failed() ? Jspawn.FAILURE : 0;
        }
        Rollout rollout = new Rollout(args.base.imageRoot, args.base.users(), args.base.updater(out), children(out), out);
        Rollout.Result r = rollout.run(args.name, cmd, new Rollout.Options(order, batch));
        print(out, r.summary(), r.outcome());
        return r.failed() ? Jspawn.FAILURE : 0;
    }

    private void print(PrintWriter out, Map<String, String> summary, String outcome) {
        out.println();
        out.println("Upgrade of " + args.name + ":" + (summary.isEmpty() ? " no children." : ""));
        summary.forEach((child, line) -> out.println("  " + child + ": " + line));
        if (outcome != null) out.println("The rollout " + outcome + ".");
        out.flush();
    }

    /** A child stopped as jspawn prune --stop does it, under the child's lock, started again with systemctl, and waited for. */
    private RolloutChildren children(PrintWriter out) {
        return new RolloutChildren(args.base, out, upTimeout);
    }
}
