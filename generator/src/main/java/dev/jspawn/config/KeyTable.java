package dev.jspawn.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.UnitFile.Entry;

/**
 * Which keys each section of a .jspawn file has, each a scalar or a list: jspawn's own keys and
 * the systemd.nspawn(5) keys it passes on ({@link NspawnKeys}); and why a line names none of them.
 * [Unit], [Service] and [Install] are not in the table: they are passed through ({@link UnitSettings}).
 */
final class KeyTable {

    /** A list key collects every assignment (an empty one resets); a scalar key takes the last. */
    enum Kind { SCALAR, LIST }

    static final Map<String, Map<String, Kind>> KEYS = new LinkedHashMap<>();

    /** Sections passed to jspawn@NAME.service as they are (checked by {@link UnitSettings}). */
    static final Set<String> PASSTHROUGH = Set.of("Unit", "Service", "Install");

    static {
        KEYS.put("Container", keys(Map.ofEntries(Map.entry("Base", Kind.SCALAR), Map.entry("BaseVersion", Kind.SCALAR), Map.entry("MachineName", Kind.SCALAR),
                Map.entry("ImageRoot", Kind.SCALAR), Map.entry("NspawnArgs", Kind.LIST), Map.entry("HealthCmd", Kind.SCALAR),
                Map.entry("HealthInterval", Kind.SCALAR), Map.entry("HealthRetries", Kind.SCALAR), Map.entry("HealthStartPeriod", Kind.SCALAR),
                Map.entry("HealthTimeout", Kind.SCALAR), Map.entry("HealthOnFailure", Kind.SCALAR), Map.entry("Notify", Kind.SCALAR)), "Container"));
        KEYS.put("Exec", keys(Map.of("Boot", Kind.SCALAR, "Parameters", Kind.SCALAR, "Environment", Kind.LIST,
                "WorkingDirectory", Kind.SCALAR, "PrivateUsers", Kind.SCALAR, "NotifyReady", Kind.SCALAR, "MachineID", Kind.SCALAR,
                "ResolvConf", Kind.SCALAR, "LinkJournal", Kind.SCALAR), "Exec"));
        KEYS.put("Files", keys(Map.of("Bind", Kind.LIST, "BindReadOnly", Kind.LIST), "Files"));
        KEYS.put("Network", keys(Map.of("VirtualEthernet", Kind.SCALAR, "Private", Kind.SCALAR, "Port", Kind.LIST,
                "Bridge", Kind.SCALAR, "Zone", Kind.SCALAR), "Network"));
    }

    private KeyTable() {
    }

    /** jspawn's own keys of a section, plus the systemd.nspawn(5) keys it passes on as they are. */
    private static Map<String, Kind> keys(Map<String, Kind> own, String section) {
        Map<String, Kind> all = new TreeMap<>(own);
        for (NspawnKeys.Key k : NspawnKeys.KEYS.values()) {
            if (k.section().equals(section)) {
                all.put(k.name(), k.shape() == NspawnKeys.Shape.EACH || k.shape() == NspawnKeys.Shape.JOINED ? Kind.LIST : Kind.SCALAR);
            }
        }
        return all;
    }

    /** The kind of a key that is in the table. */
    static Kind kind(String section, String key) {
        return KEYS.get(section).get(key);
    }

    /**
     * Why {@code e} (in a section that is not passed through) names no key of the table: an unknown
     * section, a systemd.nspawn(5) key that does not apply to an overlay child, or an unknown key,
     * with a hint. Empty if it names one.
     */
    static Optional<Diagnostic> problem(Entry e) {
        Map<String, Kind> keys = KEYS.get(e.section());
        if (keys == null) {
            List<String> known = new ArrayList<>(KEYS.keySet());
            known.addAll(List.of("Unit", "Service", "Install"));
            return Optional.of(new Diagnostic(e.file(), e.line(), e.section(), null,
                    "unknown section; jspawn knows " + String.join(", ", known.stream().map(s -> "[" + s + "]").toList())));
        }
        String notApplicable = NspawnKeys.NOT_APPLICABLE.get(e.section() + "/" + e.key());
        if (notApplicable != null) {
            return Optional.of(new Diagnostic(e.file(), e.line(), e.section(), e.key(), "not supported for an overlay child: " + notApplicable));
        }
        if (!keys.containsKey(e.key())) {
            String hint = keys.keySet().stream().filter(k -> k.toLowerCase(Locale.ROOT).equals(e.key().toLowerCase(Locale.ROOT)))
                    .findFirst().map(k -> " (did you mean " + k + "=? keys are case-sensitive)")
                    .orElse(keys.size() <= 8 ? "; [" + e.section() + "] takes " + String.join("=, ", keys.keySet().stream().sorted().toList()) + "="
                            : "; the keys of [" + e.section() + "] are listed in jspawn.jspawn(5); NspawnArgs= passes any other systemd-nspawn option");
            return Optional.of(new Diagnostic(e.file(), e.line(), e.section(), e.key(), "unknown key" + hint));
        }
        return Optional.empty();
    }
}
