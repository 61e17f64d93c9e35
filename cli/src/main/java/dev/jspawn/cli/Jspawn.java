package dev.jspawn.cli;

import java.io.PrintWriter;

import dev.jspawn.machined.HostBus;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "jspawn",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // --help and --version on every subcommand too
        versionProvider = Jspawn.Version.class,
        description = {"Declarative systemd-nspawn containers on overlayfs.",
                "Containers are configured in /etc/jspawn/NAME.jspawn (see jspawn.jspawn(5)) and run as jspawn@NAME.service."},
        subcommands = {ListCommand.class, StatusCommand.class, HealthCommand.class, UnitVerbs.Start.class, UnitVerbs.Stop.class, UnitVerbs.Restart.class,
                UnitVerbs.Enable.class, UnitVerbs.Disable.class, CatCommand.class, VerifyCommand.class, CreateCommand.class, RemoveCommand.class,
                PruneCommand.class, RestoreCommand.class, ConvertUsernsCommand.class, BaseCommand.class, AutoUpgradeCommand.class, ShiftDirsCommand.class,
                RegisterCommand.class, UnregisterCommand.class, MountLayersCommand.class, NoConfigCommand.class, PruneDirsCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:failure (an invalid file, an unknown container, a failed D-Bus call)", "2:invalid usage",
                "3:status: the container is not running", "4:status: no such container"},
        footer = {"", "See jspawn(1) and jspawn.jspawn(5)."})
public final class Jspawn {

    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    final Context context;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Option(names = "--no-block", scope = CommandLine.ScopeType.INHERIT,
            description = "If another jspawn command is changing the same base or container, fail at once instead of waiting for it.")
    boolean noBlock;

    /** How commands wait for each other: with a message on stderr, or (--no-block) not at all. */
    dev.jspawn.images.Locks.Policy lockPolicy() {
        return new dev.jspawn.images.Locks.Policy(!noBlock, msg -> {
            PrintWriter err = spec.commandLine().getErr();
            err.println("jspawn: " + msg);
            err.flush();
        });
    }

    Jspawn(Context context) {
        this.context = context;
    }

    /** Commands that only look: everything else changes systemd's, a base's or a container's state and needs root. */
    static final java.util.Set<String> READ_ONLY = java.util.Set.of("jspawn list", "jspawn status", "jspawn cat", "jspawn verify",
            "jspawn help", "jspawn no-config", "jspawn base list", "jspawn base versions");

    public static CommandLine commandLine(Context context) {
        CommandLine cl = new CommandLine(new Jspawn(context));
        cl.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult last = parsed;
            while (last.hasSubcommand()) last = last.subcommand();
            String command = last.commandSpec().qualifiedName(" ");
            boolean help = last.isUsageHelpRequested() || last.isVersionHelpRequested();
            if (!help && !READ_ONLY.contains(command) && last.commandSpec().parent() != null && !context.isRoot()) {
                PrintWriter err = last.commandSpec().commandLine().getErr();
                err.println("jspawn: '" + command + "' needs root (it changes containers, bases or systemd's units); run it with sudo");
                err.flush();
                return FAILURE;
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof UserError || ex instanceof HostBus.Failure || ex instanceof java.io.IOException) {
                err.println("jspawn: " + message(ex));
            } else {
                err.println("jspawn: internal error: " + ex);
                ex.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("jspawn: " + realReason(ex).getMessage());
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return USAGE;
        });
        return cl;
    }

    /**
     * The error to report for a command line picocli refused. An unknown option-like argument ("-x") is
     * never taken as a positional parameter: picocli sets it aside as unmatched, but checks the required
     * options and parameters before it reports unmatched arguments, so "create -x" would say that NAME is
     * missing. The unknown option is the real reason then.
     */
    static CommandLine.ParameterException realReason(CommandLine.ParameterException ex) {
        java.util.List<String> unmatched = ex.getCommandLine().getUnmatchedArguments();
        if (ex instanceof CommandLine.MissingParameterException && !unmatched.isEmpty()) {
            return new CommandLine.UnmatchedArgumentException(ex.getCommandLine(), unmatched);
        }
        return ex;
    }

    /** The one line that reports an expected failure (a UserError, a failed D-Bus call, an I/O error), without "jspawn: ". */
    static String message(Exception ex) {
        if (ex instanceof java.nio.file.NoSuchFileException e) return e.getFile() + ": no such file or directory";
        if (ex instanceof java.nio.file.AccessDeniedException e) return e.getFile() + ": permission denied; this command needs root";
        if (ex instanceof java.nio.file.FileAlreadyExistsException e) return e.getFile() + ": already exists (made by another command meanwhile?)";
        return ex.getMessage();
    }

    /** "jspawn 0.9.0 (git 1a2b3c4)": the release version and the commit it was built from, both written by the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            java.util.Properties version = properties("version.properties"), git = properties("git.properties");
            String v = version.getProperty("version", "(unknown version)");
            String commit = git.getProperty("git.commit.id.abbrev");
            String built = commit == null ? "" : " (git " + commit + ("true".equals(git.getProperty("git.dirty")) ? ", with uncommitted changes" : "") + ")";
            return new String[] {"jspawn " + v + built};
        }

        static java.util.Properties properties(String resource) {
            java.util.Properties p = new java.util.Properties();
            try (var in = Jspawn.class.getResourceAsStream(resource)) {
                if (in != null) p.load(in);
            } catch (java.io.IOException e) {
                // an unreadable resource: the version says unknown
            }
            return p;
        }
    }
}
