package dev.jspawn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ContainerConfig;
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
        BaseCommand.validName(name);
        BaseStore store = base.store();
        try (var lock = Locking.base(base.parent, base.imageRoot, name)) {
            boolean unfinished = Files.exists(store.removing(name), LinkOption.NOFOLLOW_LINKS);
            if (!store.exists(name) && !store.isLeftover(name) && !unfinished) throw new UserError("no base " + name + " in " + base.imageRoot);
            refuseIfUsed(store);
            List<BaseStore.Version> versions = store.versions(name);
            String what = versions.isEmpty() && store.current(name).isPresent() ? "a plain directory"
                    : versions.isEmpty() ? "no version" : String.join(", ", versions.stream().map(BaseStore.Version::label).toList());
            long size = Math.max(Sizes.of(store.link(name)), 0) + Math.max(Sizes.of(store.store(name)), 0);
            store.delete(name);
            args.out().println("Removed base " + name + " (" + what + ", " + Sizes.human(size) + ").");
            args.out().flush();
        }
        return 0;
    }

    /** Nothing may use the base: children of it, bases on it, and mounts of it or inside it. */
    private void refuseIfUsed(BaseStore store) throws IOException {
        String name = args.name;
        BaseCommand base = args.base;
        List<String> children = base.children(name).stream().map(ContainerConfig::name).toList();
        if (!children.isEmpty()) {
            throw new UserError("base " + name + " is used by " + String.join(", ", children)
                    + "; remove them first (jspawn remove CHILD), or give them another Base=");
        }
        Bases bases = Bases.load(base.context().searchPath());
        String dir = store.link(name).toString();
        List<String> layered = bases.names().stream()
                .filter(b -> bases.parentOf(b).filter(p -> p.equals(name) || Path.of(p).normalize().toString().equals(dir)).isPresent()).toList();
        if (!layered.isEmpty()) {
            throw new UserError("base " + name + " has " + String.join(", ", layered) + " layered on it (Base=" + name + " in "
                    + String.join(", ", layered.stream().map(b -> b + Bases.SUFFIX).toList()) + "); remove or change those first");
        }
        List<String> users = new ArrayList<>();
        base.usage(name, false).forEach((v, who) -> users.add("v" + v + " by " + String.join(", ", who)));
        Path link = store.link(name), versions = store.store(name);
        for (Mounts.Overlay o : Mounts.overlays(base.context().proc())) {
            if (o.lowers().stream().map(l -> Path.of(l).normalize()).anyMatch(p -> p.equals(link) || p.startsWith(versions))) {
                users.add("the overlay at " + o.mountPoint());
            }
        }
        List<Path> trees = new ArrayList<>(); // deleting them must never go through a mount
        if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) trees.add(link.toRealPath());
        if (Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) trees.add(versions.toRealPath());
        for (String point : Mounts.points(base.context().proc())) {
            if (trees.stream().anyMatch(t -> Path.of(point).startsWith(t))) users.add("the mount at " + point);
        }
        if (!users.isEmpty()) {
            throw new UserError("base " + name + " is in use: " + String.join("; ", users) + "; stop, change or unmount those first");
        }
    }
}
