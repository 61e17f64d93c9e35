package dev.jspawn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.images.Sizes;
import dev.jspawn.runtime.UserError;
import dev.jspawn.images.BaseRemoval;
import dev.jspawn.images.BaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "remove", description = {"Remove a base: every version, its store directory and IMAGE_ROOT/NAME (or the plain directory).",
        "Refused while a configured child uses it, another base is layered on it (NAME2.base with Base=NAME), or it is mounted."})
final class BaseRemoveCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Override
    public Integer call() throws IOException {
        String name = args.name;
        BaseCommand base = args.base;
        BaseStore.validName(name);
        BaseStore store = base.store();
        BaseRemoval removal = new BaseRemoval(base.imageRoot);
        try (var lock = CommandLocks.base(base.parent, base.imageRoot, name)) {
            boolean unfinished = Files.exists(removal.removing(name), LinkOption.NOFOLLOW_LINKS);
            if (!store.exists(name) && !store.isLeftover(name) && !unfinished) throw new UserError("no base " + name + " in " + base.imageRoot);
            base.users().refuseRemoval(name);
            List<BaseStore.Version> versions = store.versions(name);
            String what = versions.isEmpty() && store.current(name).isPresent() ? "a plain directory"
                    : versions.isEmpty() ? "no version" : String.join(", ", versions.stream().map(BaseStore.Version::label).toList());
            long size = Math.max(Sizes.of(store.link(name)), 0) + Math.max(Sizes.of(store.store(name)), 0);
            removal.delete(name);
            args.out().println("Removed base " + name + " (" + what + ", " + Sizes.human(size) + ").");
            args.out().flush();
        }
        return 0;
    }
}
