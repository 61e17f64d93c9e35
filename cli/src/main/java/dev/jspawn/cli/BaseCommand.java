package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import dev.jspawn.config.ConfigLoader;
import dev.jspawn.images.BaseCreate;
import dev.jspawn.images.BasePull;
import dev.jspawn.images.BasePush;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.BaseTools;
import dev.jspawn.images.BaseUpdate;
import dev.jspawn.images.BaseUsers;
import dev.jspawn.images.MountTable;
import dev.jspawn.images.Prune;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "base",
        description = {"Base images: make them, update them without touching a running child's lower layer, and run the how-to's update cycle.",
                "Versions live in IMAGE_ROOT/.jspawn/bases/NAME/vN; IMAGE_ROOT/NAME points at the current one."},
        subcommands = {BaseListCommand.class, BaseCreateCommand.class, BaseUpdateCommand.class, BasePullCommand.class, BasePushCommand.class, BaseUpgradeCommand.class,
                BaseVersionsCommand.class, BaseRollbackCommand.class, BaseGcCommand.class, BaseRemoveCommand.class})
final class BaseCommand {

    @ParentCommand
    Jspawn parent;

    @Option(names = "--image-root", paramLabel = "DIR", defaultValue = ConfigLoader.DEFAULT_IMAGE_ROOT, scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Where the bases are (default: ${DEFAULT-VALUE}).")
    Path imageRoot;

    Context context() {
        return parent.context;
    }

    BaseStore store() {
        return new BaseStore(imageRoot);
    }

    /** Who uses the bases of this image root: children, base files, overlays and mounts (see {@link BaseUsers}). */
    BaseUsers users() {
        return new BaseUsers(imageRoot, context().searchPath(), mountTable(context().proc()));
    }

    /** /proc/self/mountinfo as {@link MountInfo} reads it, for the images module. */
    static MountTable mountTable(Path proc) {
        return new MountTable() {
            @Override
            public List<MountTable.Overlay> overlays() {
                return MountInfo.overlays(proc).stream().map(o -> new MountTable.Overlay(o.mountPoint(), o.lowers(), o.upper())).toList();
            }

            @Override
            public List<String> points() {
                return MountInfo.points(proc);
            }
        };
    }

    /**
     * What base create and update run and show, through this command's context: its runner, a copy's progress
     * on {@code out} and its errors on {@code err} (see {@link Progress}) and {@link Identity#blank}.
     */
    BaseTools tools(PrintWriter out, PrintWriter err) {
        Context.Runner runner = context().runner();
        return new BaseTools() {
            @Override
            public int run(List<String> command) {
                return runner.run(command);
            }

            @Override
            public int run(List<String> command, String input) {
                return runner.run(command, input);
            }

            @Override
            public byte[] output(List<String> command) {
                return runner.output(command);
            }

            @Override
            public int copy(List<String> cp, Path source, Path target) {
                Progress.Errors errors = new Progress.Errors();
                int status = Progress.copy(out, "copied", source, target, () -> runner.runWithErrors(cp, errors));
                errors.print(err);
                return status;
            }

            @Override
            public void blankIdentity(Path root) throws IOException {
                Identity.blank(root, out);
            }
        };
    }

    /** base update as this command runs it: its image root, search path and locks, telling its steps on {@code out}. */
    BaseUpdate updater(PrintWriter out) {
        return new BaseUpdate(imageRoot, context().searchPath(), context().lockDir(), parent.lockPolicy(),
                tools(out, parent.spec.commandLine().getErr()), out);
    }

    /** base pull as this command runs it: its image root and locks, skopeo through its runner, the steps on {@code out}. */
    BasePull puller(PrintWriter out, dev.jspawn.images.LayerUnpack.Limits limits) {
        return new BasePull(imageRoot, context().lockDir(), parent.lockPolicy(), tools(out, parent.spec.commandLine().getErr()), out, limits);
    }

    /** base push as this command runs it: its image root and locks, skopeo through its runner, the steps on {@code out}. */
    BasePush pusher(PrintWriter out) {
        return new BasePush(imageRoot, context().lockDir(), parent.lockPolicy(), tools(out, parent.spec.commandLine().getErr()), out);
    }

    /** base create as this command runs it: its image root and locks, telling its steps on {@code out} and a copy's errors on {@code err}. */
    BaseCreate creator(PrintWriter out, PrintWriter err) {
        return new BaseCreate(imageRoot, context().lockDir(), parent.lockPolicy(), tools(out, err), out);
    }

    /** Warnings after a listing, on standard error so that --json output stays JSON. */
    static void warn(CommandSpec spec, List<String> warnings) {
        PrintWriter err = spec.commandLine().getErr();
        for (String w : warnings) err.println("jspawn: warning: " + w);
        err.flush();
    }
}
