package dev.jspawn.syntax;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An ordered in-memory unit file: sections in order, each with its entries in order. The same
 * model holds a parsed input file (entries carry their file and line) and a generated unit
 * (line 0); {@link UnitWriter} is the only code that turns one into text.
 */
public final class UnitFile {

    /** One {@code Key=Value} line, with where it came from (line 0 for generated entries). */
    public record Entry(String section, String key, String value, Path file, int line) {
        public Entry {
            Objects.requireNonNull(section);
            Objects.requireNonNull(key);
            Objects.requireNonNull(value);
        }
    }

    public static final class Section {
        private final String name;
        private final List<Entry> entries = new ArrayList<>();

        Section(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public List<Entry> entries() {
            return Collections.unmodifiableList(entries);
        }
    }

    private final List<Section> sections = new ArrayList<>();

    /** The section of that name, created at the end if it is not there yet. */
    public Section section(String name) {
        for (Section s : sections) {
            if (s.name.equals(name)) return s;
        }
        Section s = new Section(name);
        sections.add(s);
        return s;
    }

    public UnitFile add(String section, String key, String value) {
        return add(new Entry(section, key, value, null, 0));
    }

    public UnitFile add(Entry entry) {
        section(entry.section()).entries.add(entry);
        return this;
    }

    public List<Section> sections() {
        return Collections.unmodifiableList(sections);
    }

    /** Every entry, in file order. */
    public List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        for (Section s : sections) all.addAll(s.entries);
        return all;
    }

    /** Every value of a key, in order (a repeated key, as systemd allows). */
    public List<String> values(String section, String key) {
        List<String> out = new ArrayList<>();
        for (Entry e : entries()) {
            if (e.section.equals(section) && e.key.equals(key)) out.add(e.value);
        }
        return out;
    }
}
