package dev.jspawn.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code jspawn start|stop|restart|enable|disable NAME...}: systemctl on jspawn@NAME.service, with
 * NAME in either spelling (the container name child_apache or the machine name child-apache).
 * machinectl start/enable cannot do this: they are hard-wired to systemd-nspawn@.service.
 */
final class UnitVerbs {

    private UnitVerbs() {
    }

    abstract static class Verb implements Callable<Integer> {
        @ParentCommand
        Jspawn parent;

        @Parameters(arity = "1..*", paramLabel = "NAME", description = "Containers, by container name (child_apache) or machine name (child-apache).")
        List<String> names;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        /** The systemctl verb: the subcommand's own name. */
        String verb() {
            return spec.name();
        }

        /** systemctl options before the units. */
        List<String> options() {
            return List.of();
        }

        /** The units the verb acts on for one container. */
        List<String> units(ConfigSource s) {
            return List.of(Converter.serviceName(s.name()));
        }

        @Override
        public Integer call() {
            Set<String> units = new LinkedHashSet<>();
            for (String n : names) units.addAll(units(Containers.find(parent.context.searchPath(), n)));
            List<String> args = new ArrayList<>(List.of(verb()));
            args.addAll(options());
            args.addAll(units);
            int status = parent.context.systemctl().run(args.toArray(String[]::new));
            if (status != 0) throw new UserError("systemctl " + String.join(" ", args) + " failed (exit status " + status + "); see: systemctl status "
                    + String.join(" ", units));
            return 0;
        }
    }

    @Command(name = "start", description = "Start containers: systemctl start jspawn@NAME.service.")
    static final class Start extends Verb {
    }

    @Command(name = "stop", description = {"Stop containers (the guest shuts down): systemctl stop jspawn@NAME.service and its overlay's mount unit.",
            "The service unmounts its overlay itself when it stops; stopping the mount too makes the command return once it is unmounted,"
                    + " so that prune, restore and convert-userns can follow at once."})
    static final class Stop extends Verb {
        @Override
        List<String> units(ConfigSource s) {
            ContainerConfig c = Containers.load(parent.context.searchPath(), s);
            return List.of(Converter.serviceName(s.name()), Converter.mountName(c));
        }
    }

    @Command(name = "restart", description = "Restart containers: systemctl restart jspawn@NAME.service.")
    static final class Restart extends Verb {
    }

    /** enable and disable: systemctl's --now too. */
    abstract static class AtBoot extends Verb {
        @Option(names = "--now", description = "Start (enable) or stop (disable) them now too.")
        boolean now;

        @Override
        List<String> options() {
            return now ? List.of("--now") : List.of();
        }
    }

    @Command(name = "enable", description = "Start containers at boot (machines.target): systemctl enable jspawn@NAME.service.")
    static final class Enable extends AtBoot {
    }

    @Command(name = "disable", description = "No longer start containers at boot: systemctl disable jspawn@NAME.service.")
    static final class Disable extends AtBoot {
    }
}
