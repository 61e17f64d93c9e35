package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a pulled base came from, so that jspawn auto-upgrade can look there again: the skopeo source and the
 * registry options it was pulled with, in ROOT/.jspawn/bases/NAME/origin, written by each pull. Credentials
 * given as --creds are not kept (an --authfile is named, not copied).
 */
public record PullOrigin(String source, List<String> options) {

    public static final String FILE = "origin";

    public PullOrigin {
        options = List.copyOf(options);
    }

    /** The options as skopeo copy takes them for the source (--src-tls-verify=...), less credentials. */
    static PullOrigin of(String source, List<String> copyOptions) {
        return new PullOrigin(source, copyOptions.stream().filter(o -> !o.startsWith("--src-creds")).toList());
    }

    /** The same options as skopeo inspect takes them (--tls-verify=...). */
    public List<String> inspectOptions() {
        return options.stream().map(o -> o.startsWith("--src-") ? "--" + o.substring(6) : o).toList();
    }

    void write(BaseStore store, String name) throws IOException {
        StringBuilder b = new StringBuilder("source=" + source + "\n");
        for (String o : options) b.append("option=").append(o).append('\n');
        SmallFile.write(store.store(name).resolve(FILE), b.toString());
    }

    /** Where base {@code name} was last pulled from; empty for a base never pulled. */
    public static Optional<PullOrigin> read(BaseStore store, String name) throws IOException {
        Path file = store.store(name).resolve(FILE);
        Optional<String> text = SmallFile.read(file, "a pull's origin");
        if (text.isEmpty()) return Optional.empty();
        String source = null;
        List<String> options = new ArrayList<>();
        for (String line : text.get().split("\n")) {
            if (line.startsWith("source=")) source = line.substring(7);
            else if (line.startsWith("option=--")) options.add(line.substring(7));
        }
        if (source == null || source.isEmpty() || source.startsWith("-")) throw new IOException(file + " names no source; pull the base again");
        return Optional.of(new PullOrigin(source, options));
    }
}
