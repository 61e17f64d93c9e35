package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.jspawn.images.Sizes;
import dev.jspawn.runtime.UserError;
import dev.jspawn.images.BaseGc;
import dev.jspawn.images.BaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "gc", description = "Remove the versions of bases that are not current, not the last one, and that no child names"
        + " and no mounted overlay uses; nothing of a base whose current version is missing."
        + " Without NAME, also the layers in the layer store that no version stacks.")
final class BaseGcCommand implements Callable<Integer> {

    @ParentCommand
    BaseCommand base;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "The bases (default: all).")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> todo = new ArrayList<>(names);
        Path store = base.imageRoot.resolve(BaseStore.STORE);
        boolean all = todo.isEmpty();
        if (all && Files.isDirectory(store, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(store)) {
                s.map(p -> p.getFileName().toString()).sorted().forEach(todo::add);
            }
        }
        boolean failed = false;
        for (String name : todo) {
            // One base that fails costs only itself: the others are still collected, and the exit status says it.
            try {
                BaseStore.validName(name);
                if (all && base.store().isLeftover(name)) {
                    out.println("skipped " + name + ": " + base.store().store(name) + " holds no version and there is no " + base.store().link(name)
                            + "; delete it with 'jspawn base remove " + name + "'");
                    continue;
                }
                if (!base.store().exists(name)) throw new UserError("no base " + name + " in " + base.imageRoot);
                try (var lock = CommandLocks.base(base.parent, base.imageRoot, name)) {
                    collect(out, name);
                }
            } catch (UserError | IOException e) {
                out.flush();
                err.println("jspawn: " + Jspawn.message(e));
                err.flush();
                failed = true;
            }
        }
        if (all) {
            // Then the layers no version stacks any more, of whichever base they were.
            for (BaseGc.RemovedLayer l : BaseGc.removeUnusedLayers(base.imageRoot, base.context().lockDir(), base.parent.lockPolicy())) {
                out.println("removed layer " + l.id() + " (" + Sizes.human(l.size()) + ")");
            }
        }
        out.flush();
        return failed ? Jspawn.FAILURE : 0;
    }

    private void collect(PrintWriter out, String name) throws IOException {
        BaseGc gc = new BaseGc(base.imageRoot);
        Map<Integer, List<String>> usage = base.users().usage(name);
        for (BaseGc.Verdict d : gc.collect(name, usage)) {
            BaseStore.Version v = d.version();
            if (v.current()) continue;
            if (d.kept().isPresent()) {
                out.println("kept " + name + " " + v.label() + ": " + d.kept().get());
                continue;
            }
            String size = Sizes.human(Sizes.of(v.dir()));
            if (gc.remove(name, v, usage.keySet())) out.println("removed " + name + " " + v.label() + " (" + size + ")");
        }
    }
}
