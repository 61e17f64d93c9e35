package dev.jspawn.generator;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.SearchPath;
import dev.jspawn.syntax.Diagnostic;

/**
 * The systemd generator (systemd.generator(7)): {@code jspawn-generator NORMAL [EARLY LATE]}, or
 * {@code jspawn-generator --dry-run} to print what it would write. It reads only the .jspawn
 * files, so it can run early at boot. A bad file is reported (file, line, key, reason) and skipped
 * with nothing written for it; the others are still converted; the exit status is 0, so one bad
 * file never stops the boot. With --dry-run the exit status is 1 if any file was bad.
 *
 * <p>Deliberately not picocli: this runs at every boot and daemon-reload, and picocli adds
 * 110-150 ms to start-up (measured against the same program without it).
 */
public final class GeneratorMain {

    private final PrintStream out;
    private final Log log;

    GeneratorMain(PrintStream out, Log log) {
        this.out = out;
        this.log = log;
    }

    public static void main(String[] args) {
        boolean dryRun = args.length > 0 && args[0].equals("--dry-run");
        Log log = dryRun || System.getenv("JSPAWN_LOG_STDERR") != null ? new Log(System.err) : Log.kmsgOrStderr();
        int status = new GeneratorMain(new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8), log)
                .run(args, System.getenv());
        // Returning ends the JVM with status 0 as System.exit(0) would: the one other thread, the file reader, is a daemon.
        // From Java 21 on, System.exit first sets up System.Logger to log the call (Runtime.exit logging): about 7 ms on Java 25.
        if (status != 0) System.exit(status);
    }

    int run(String[] args, Map<String, String> env) {
        boolean dryRun = false;
        List<String> dirs = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--dry-run")) dryRun = true;
            else if (a.equals("-h") || a.equals("--help")) {
                out.println("Usage: jspawn-generator NORMAL_DIR [EARLY_DIR LATE_DIR]\n       jspawn-generator --dry-run\n"
                        + "Writes the units for each /etc/jspawn/NAME.jspawn (search path: $" + SearchPath.ENV + "). See jspawn-generator(8).");
                return 0;
            } else if (a.startsWith("-")) {
                log.error("Unknown option " + a + "; usage: jspawn-generator [--dry-run] [NORMAL_DIR [EARLY_DIR LATE_DIR]]");
                return 2;
            } else dirs.add(a);
        }
        if (!dryRun && dirs.size() != 1 && dirs.size() != 3) {
            log.error("Expected one or three output directories, got " + dirs.size() + "; usage: jspawn-generator [--dry-run] [NORMAL_DIR [EARLY_DIR LATE_DIR]]");
            return 2;
        }
        SearchPath searchPath = SearchPath.fromEnvironment(env);
        SearchPath.Scan scan = searchPath.scan();
        Bases bases = Bases.load(searchPath);
        // Every skipped file gets one summary line, all of them before any details: the kernel log passes
        // only a few lines at a time (printk_devkmsg ratelimit), and the summaries must all get through.
        List<String> summaries = new ArrayList<>();
        List<Diagnostic> details = new ArrayList<>();
        scan.errors().forEach(d -> summaries.add(d.toString()));
        if (!bases.errors().isEmpty()) {
            bases.errors().stream().map(Diagnostic::file).distinct().forEach(f -> summaries.add("Failed to read base file " + f + ", ignoring."));
            details.addAll(bases.errors());
        }
        Map<ConfigSource, ConfigLoader.Result> loaded = ConfigLoader.loadAll(scan.sources(), bases);
        for (Map.Entry<ConfigSource, ConfigLoader.Result> e : loaded.entrySet()) {
            ConfigLoader.Result r = e.getValue();
            if (!r.ok()) {
                summaries.add("Failed to generate units for " + e.getKey().file() + " (" + r.errors().size()
                        + (r.errors().size() == 1 ? " error" : " errors") + "), ignoring.");
                details.addAll(r.errors());
                continue;
            }
            generate(e.getKey(), r, dryRun ? null : Path.of(dirs.get(0))).ifPresent(summaries::add);
        }
        summaries.forEach(log::error);
        Diagnostic.capped(details).forEach(log::error);
        return dryRun && !summaries.isEmpty() ? 1 : 0;
    }

    /** The output directories made so far in this run (each is made once). */
    private final java.util.Set<Path> made = new java.util.HashSet<>();

    /** One valid container: convert, render, write. A summary of what failed (and nothing written), or empty. */
    private java.util.Optional<String> generate(ConfigSource source, ConfigLoader.Result loaded, Path outputDir) {
        try {
            GeneratedUnits units = Converter.convert(loaded.config().get());
            Map<String, String> rendered = OutputWriter.render(units);
            if (outputDir == null) {
                rendered.forEach((path, text) -> out.print("# " + path + "\n" + text + "\n"));
                units.links().forEach(l -> out.print("# " + l.path() + " -> " + l.target() + "\n\n"));
            } else {
                OutputWriter.write(outputDir, units, rendered, made);
            }
            return java.util.Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return java.util.Optional.of("Failed to generate units for " + source.file() + ": " + e.getMessage() + ", ignoring.");
        }
    }

    /** Messages go to stderr, or to the kernel log when run as a generator (systemd does not keep a generator's stderr). */
    static final class Log {
        private final PrintStream stream;
        private final boolean kmsg;

        Log(PrintStream stream) {
            this(stream, false);
        }

        private Log(PrintStream stream, boolean kmsg) {
            this.stream = stream;
            this.kmsg = kmsg;
        }

        static Log kmsgOrStderr() {
            try {
                OutputStream k = new FileOutputStream("/dev/kmsg");
                return new Log(new PrintStream(k, true, StandardCharsets.UTF_8), true);
            } catch (IOException | SecurityException e) {
                return new Log(System.err);
            }
        }

        void error(String message) {
            stream.println(kmsg ? "<3>jspawn-generator[" + OutputWriter.PID + "]: " + message : "jspawn-generator: " + message);
        }
    }
}
