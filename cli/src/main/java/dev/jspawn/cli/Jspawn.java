package dev.jspawn.cli;

import java.io.PrintWriter;

import dev.jspawn.machined.HostBus;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "jspawn",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // --help and --version on every subcommand too
        versionProvider = Jspawn.Version.class,
        description = {"Declarative systemd-nspawn containers on overlayfs.",
                "Containers are configured in /etc/jspawn/NAME.jspawn (see jspawn.jspawn(5)) and run as jspawn@NAME.service."},
        subcommands = {ListCommand.class, StatusCommand.class, CatCommand.class, VerifyCommand.class, CreateCommand.class, RemoveCommand.class,
                PruneCommand.class, RestoreCommand.class, ConvertUsernsCommand.class, BaseCommand.class, ShiftDirsCommand.class,
                RegisterCommand.class, UnregisterCommand.class, LayersCommand.Mount.class, NoConfigCommand.class, PruneDirsCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:failure (an invalid file, an unknown container, a failed D-Bus call)", "2:invalid usage"},
        footer = {"", "See jspawn(1) and jspawn.jspawn(5)."})
public final class Jspawn {

    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    final Context context;

    Jspawn(Context context) {
        this.context = context;
    }

    public static CommandLine commandLine(Context context) {
        CommandLine cl = new CommandLine(new Jspawn(context));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof UserError || ex instanceof HostBus.Failure || ex instanceof java.io.IOException) {
                err.println("jspawn: " + ex.getMessage());
            } else {
                err.println("jspawn: internal error: " + ex);
                ex.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("jspawn: " + ex.getMessage());
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return USAGE;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Jspawn.class.getPackage().getImplementationVersion();
            return new String[] {"jspawn " + (v == null ? "(development build)" : v)};
        }
    }
}
