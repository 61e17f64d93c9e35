package dev.jspawn.cli;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.runtime.UserError;
import dev.jspawn.images.BaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "rollback", description = {"Make the version before the current one current again; children use it when they restart.",
        "If the current version is missing (deleted by hand), the newest one below it becomes current."})
final class BaseRollbackCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Override
    public Integer call() throws IOException {
        String name = args.name;
        BaseCommand base = args.base;
        BaseStore.validName(name);
        BaseStore.Version v;
        Optional<BaseStore.Missing> missing;
        if (!base.store().exists(name)) throw new UserError("no base " + name + " in " + base.imageRoot);
        try (var lock = CommandLocks.base(base.parent, base.imageRoot, name)) {
            java.util.Optional<dev.jspawn.images.RolloutState> rollout = dev.jspawn.images.RolloutState.open(base.store(), name);
            if (rollout.isPresent()) {
                throw new UserError("a rollout of " + name + " to v" + rollout.get().plan().to() + " was cut short: run jspawn base upgrade " + name
                        + " to finish it or roll it back, not base rollback");
            }
            missing = base.store().missing(name);
            v = base.store().rollback(name);
        } catch (dev.jspawn.images.Locks.Busy | java.nio.file.FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        args.out().println(missing.isPresent()
                ? name + "'s " + missing.get().what() + " was missing; " + v.label() + " is current now; children use it when they restart."
                : name + ": " + v.label() + " is current again; children use it when they restart.");
        args.out().flush();
        return 0;
    }
}
