package dev.jspawn.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.UnitFile.Entry;

/**
 * The merge rules: a container's lines applied in the order of its files (main file, then
 * drop-ins), as systemd applies drop-ins. A scalar key takes its last assignment; a list key
 * collects every assignment, and an empty one resets it ({@link KeyTable.Kind}). [Unit], [Service]
 * and [Install] lines are checked ({@link UnitSettings}) and kept in file order.
 */
final class MergedEntries {

    private final Map<String, List<Entry>> effective = new LinkedHashMap<>();
    private final List<UnitSettings.Setting> unitSettings = new ArrayList<>();

    /** Applies {@code e}; or, leaving everything as it was, says why it cannot be applied. */
    Optional<Diagnostic> accept(Entry e) {
        if (KeyTable.PASSTHROUGH.contains(e.section())) {
            try {
                unitSettings.add(new UnitSettings.Setting(e.section(), e.key(), UnitSettings.check(e.section(), e.key(), e.value())));
            } catch (Values.Invalid ex) {
                return Optional.of(new Diagnostic(e.file(), e.line(), e.section(), e.key(), ex.getMessage()));
            }
            return Optional.empty();
        }
        Optional<Diagnostic> problem = KeyTable.problem(e);
        if (problem.isPresent()) return problem;
        KeyTable.Kind kind = KeyTable.kind(e.section(), e.key());
        List<Entry> list = effective.computeIfAbsent(e.section() + "/" + e.key(), k -> new ArrayList<>());
        if (kind == KeyTable.Kind.SCALAR || e.value().isEmpty()) list.clear();
        if (!e.value().isEmpty()) list.add(e);
        return Optional.empty();
    }

    /** The assignment in effect of a scalar key, if it has one. */
    Optional<Entry> scalar(String section, String key) {
        List<Entry> list = effective.getOrDefault(section + "/" + key, List.of());
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(list.size() - 1));
    }

    /** The assignments in effect of a list key, in order; as many as the files hold. */
    List<Entry> list(String section, String key) {
        return Collections.unmodifiableList(effective.getOrDefault(section + "/" + key, List.of()));
    }

    /** The [Unit], [Service] and [Install] lines, in file order. */
    List<UnitSettings.Setting> unitSettings() {
        return Collections.unmodifiableList(unitSettings);
    }
}
