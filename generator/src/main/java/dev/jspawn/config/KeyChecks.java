package dev.jspawn.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.jspawn.config.ContainerConfig.Bind;

/**
 * The value checks of jspawn's own keys that {@link Values} has no single check for: each says
 * what is wrong, or returns the value the configuration keeps. The systemd.nspawn(5) keys passed
 * on are checked in {@link NspawnKeys}, ImageRoot= in {@link PathSafety}.
 */
final class KeyChecks {

    /** ResolvConf= as systemd.nspawn(5) has it. */
    static final List<String> RESOLV_CONF = List.of("off", "copy-host", "copy-static", "copy-uplink", "copy-stub", "replace-host",
            "replace-static", "replace-uplink", "replace-stub", "bind-host", "bind-static", "bind-uplink", "bind-stub", "delete", "auto");

    private KeyChecks() {
    }

    /** MachineName=: a machine name ({@link ContainerName#machineNameProblem}). */
    static String machineName(String v) throws Values.Invalid {
        Optional<String> p = ContainerName.machineNameProblem(v);
        if (p.isPresent()) throw new Values.Invalid(p.get());
        return v;
    }

    /** WorkingDirectory=: an absolute path with no control characters. */
    static String workingDirectory(String v) throws Values.Invalid {
        if (!v.startsWith("/")) throw new Values.Invalid("\"" + v + "\" is not an absolute path");
        return Values.text(v);
    }

    /** Bind= and BindReadOnly=: SOURCE[:DESTINATION[:OPTIONS]], both paths checked, the options words. */
    static Bind bind(String v, boolean readOnly) throws Values.Invalid {
        String[] parts = v.split(":", -1);
        if (parts.length > 3) throw new Values.Invalid("\"" + v + "\" is not SOURCE[:DESTINATION[:OPTIONS]]");
        String src = parts[0];
        try {
            Values.path(src);
            if (parts.length > 1) Values.path(parts[1]);
        } catch (Values.Invalid e) {
            throw new Values.Invalid(e.getMessage() + " (in \"" + v + "\")");
        }
        if (parts.length == 3 && !parts[2].matches("[a-z]+(,[a-z]+)*")) {
            throw new Values.Invalid("options \"" + parts[2] + "\" in \"" + v + "\" are not a comma-separated list of words");
        }
        return new Bind(src, v, readOnly);
    }

    /** MachineID=: 32 hexadecimal digits (a UUID's dashes are dropped), not all zero. */
    static String machineId(String v) throws Values.Invalid {
        String id = v.replace("-", "").toLowerCase(Locale.ROOT);
        if ((v.contains("-") && v.length() != 36) || !id.matches("[0-9a-f]{32}") || id.matches("0+")) {
            throw new Values.Invalid("\"" + v + "\" is not a machine ID (32 hexadecimal digits, not all zero)");
        }
        return id;
    }

    /** ResolvConf=: one of {@link #RESOLV_CONF}. */
    static String resolvConf(String v) throws Values.Invalid {
        return NspawnKeys.oneOf(v, RESOLV_CONF.toArray(String[]::new));
    }

    /** LinkJournal=: one of the modes of systemd.nspawn(5). */
    static String linkJournal(String v) throws Values.Invalid {
        return NspawnKeys.oneOf(v, "no", "host", "try-host", "guest", "try-guest", "auto");
    }

    /** Bridge=: an interface name of at most 15 characters. */
    static String bridge(String v) throws Values.Invalid {
        return Values.interfaceName(v, 15);
    }

    /** Zone=: a zone name of at most 12 characters. */
    static String zone(String v) throws Values.Invalid {
        return Values.interfaceName(v, 12);
    }
}
