package dev.jspawn.config;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * [Unit], [Service] and [Install] in a .jspawn file, passed to jspawn@NAME.service as Quadlet
 * passes them: for resource control, ordering and enablement. The keys most used get their value
 * checked here (so a typo names its file and line); any other key of systemd's syntax is passed
 * as it is, and systemd itself judges it. Keys that would break how the unit runs systemd-nspawn
 * are refused.
 */
public final class UnitSettings {

    /** One passed-through line. */
    public record Setting(String section, String key, String value) {
    }

    private static final Pattern KEY = Pattern.compile("[A-Z][A-Za-z0-9]*");
    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.\\\\-]+(@[A-Za-z0-9:_.\\\\-]*)?"
            + "\\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)");
    private static final Pattern BYTES = Pattern.compile("infinity|[0-9]+(\\.[0-9]+)?[KMGTPE]?|[0-9]+(\\.[0-9]+)?%");
    private static final Pattern TIME = Pattern.compile("infinity|(\\s*[0-9]+(\\.[0-9]+)?\\s*(us|usec|ms|msec|s|sec|second|seconds|m|min|minute|minutes"
            + "|h|hr|hour|hours|d|day|days|w|week|weeks|M|month|months|y|year|years)?)+\\s*");

    /** Dependency keys: a space-separated list of unit names. */
    static final Set<String> UNIT_LISTS = Set.of("After", "Before", "Requires", "Wants", "BindsTo", "PartOf", "Conflicts", "Requisite",
            "Upholds", "OnFailure", "OnSuccess", "PropagatesReloadTo", "ReloadPropagatedFrom", "JoinsNamespaceOf");

    /** [Install] keys jspawn carries out itself, by links in the generator's output, as Quadlet does. */
    public static final Set<String> INSTALL = Set.of("WantedBy", "RequiredBy", "UpheldBy");

    /** [Service] keys that would break how jspawn@ runs systemd-nspawn, with why. */
    static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("ExecStart", "jspawn@ runs systemd-nspawn; set its arguments with the keys of jspawn.jspawn(5) or NspawnArgs="),
            Map.entry("Type", "jspawn@ is Type=notify: systemd-nspawn says when the guest runs"),
            Map.entry("KillMode", "systemd-nspawn must see the stop first (KillMode=mixed), or the guest is killed, not shut down"),
            Map.entry("Delegate", "systemd-nspawn needs its cgroup delegated"),
            Map.entry("NotifyAccess", "systemd-nspawn's readiness message must be heard"),
            Map.entry("RemainAfterExit", "the unit must stop when the guest does"),
            Map.entry("PIDFile", "the unit's main process is systemd-nspawn"),
            Map.entry("BusName", "jspawn@ is Type=notify"),
            Map.entry("User", "systemd-nspawn runs as root; the guest's users come from its user namespace (PrivateUsers=)"),
            Map.entry("Group", "systemd-nspawn runs as root"),
            Map.entry("DynamicUser", "systemd-nspawn runs as root"),
            Map.entry("RootDirectory", "the guest's root is its overlay; systemd-nspawn must see the host's"),
            Map.entry("RootImage", "the guest's root is its overlay; systemd-nspawn must see the host's"),
            Map.entry("PrivateNetwork", "use [Network] Private= or VirtualEthernet=: systemd-nspawn makes the guest's network"),
            Map.entry("PrivateUsers", "use [Exec] PrivateUsers=: systemd-nspawn makes the guest's user namespace"),
            Map.entry("NetworkNamespacePath", "use the [Network] keys: systemd-nspawn makes the guest's network"));

    private UnitSettings() {
    }

    /** Checks one line of [Unit], [Service] or [Install]; returns the value to pass. */
    static String check(String section, String key, String value) throws Values.Invalid {
        if (!KEY.matcher(key).matches()) throw new Values.Invalid("\"" + key + "\" is not a systemd key name");
        if (section.equals("Service") && REFUSED.containsKey(key)) throw new Values.Invalid("not allowed: " + REFUSED.get(key));
        if (section.equals("Install") && !INSTALL.contains(key)) {
            throw new Values.Invalid("jspawn carries out " + String.join("=, ", INSTALL.stream().sorted().toList())
                    + "= (or enable it with systemctl enable); [Install] " + key + "= is not supported");
        }
        Values.text(value);
        value = value.strip();
        if (value.endsWith("\\")) throw new Values.Invalid("a trailing backslash would continue the line in the unit");
        if (value.isEmpty()) return value;
        if (UNIT_LISTS.contains(key) || INSTALL.contains(key) || key.equals("Slice")) {
            for (String u : value.trim().split("\\s+")) {
                if (!UNIT.matcher(u).matches() || u.length() > 255) throw new Values.Invalid("\"" + u + "\" is not a unit name (such as network-online.target)");
                if (key.equals("Slice") && !u.endsWith(".slice")) throw new Values.Invalid("\"" + u + "\" is not a slice");
            }
            return value;
        }
        switch (key) {
            case "MemoryMax", "MemoryHigh", "MemoryLow", "MemoryMin", "MemorySwapMax", "MemoryLimit" ->
                    NspawnKeys.matching(value, BYTES, "a size (such as 512M, 2G, 50% or infinity)");
            case "CPUQuota" -> NspawnKeys.matching(value, Pattern.compile("[0-9]+(\\.[0-9]+)?%"), "a percentage such as 150%");
            case "CPUWeight", "StartupCPUWeight" -> {
                if (!value.equals("idle")) NspawnKeys.integer(value, 1, 10000);
            }
            case "IOWeight", "StartupIOWeight" -> NspawnKeys.integer(value, 1, 10000);
            case "TasksMax" -> NspawnKeys.matching(value, Pattern.compile("infinity|[0-9]+%?"), "a number, a percentage or infinity");
            case "Nice" -> NspawnKeys.integer(value, -20, 19);
            case "Restart" -> NspawnKeys.oneOf(value, "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always");
            case "RestartSec", "TimeoutStartSec", "TimeoutStopSec", "TimeoutSec", "WatchdogSec", "RuntimeMaxSec", "StartLimitIntervalSec",
                    "JobTimeoutSec", "JobRunningTimeoutSec" -> NspawnKeys.matching(value, TIME, "a time span such as 30s, 5min or infinity");
            case "StartLimitBurst" -> NspawnKeys.integer(value, 0, Integer.MAX_VALUE);
            default -> {
            }
        }
        return value;
    }
}
