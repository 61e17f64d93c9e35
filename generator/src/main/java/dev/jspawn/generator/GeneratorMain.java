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
 * 110-150 ms to start-up (FACTS.md).
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
        System.exit(status);
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
        int failed = scan.errors().size() + bases.errors().size();
        scan.errors().forEach(d -> log.error(d.toString()));
        bases.errors().forEach(d -> log.error(d.toString()));
        Map<ConfigSource, ConfigLoader.Result> loaded = ConfigLoader.loadAll(scan.sources(), bases);
        for (Map.Entry<ConfigSource, ConfigLoader.Result> e : loaded.entrySet()) {
            if (!generate(e.getKey(), e.getValue(), dryRun ? null : Path.of(dirs.get(0)))) failed++;
        }
        return dryRun && failed > 0 ? 1 : 0;
    }

    /** One container: load, convert, render, write. False (and nothing written) if any step fails. */
    private boolean generate(ConfigSource source, ConfigLoader.Result loaded, Path outputDir) {
        if (!loaded.ok()) {
            for (Diagnostic d : loaded.errors()) log.error(d.toString());
            log.error("Failed to generate units for " + source.file() + ", ignoring.");
            return false;
        }
        try {
            GeneratedUnits units = Converter.convert(loaded.config().get());
            Map<String, String> rendered = OutputWriter.render(units);
            if (outputDir == null) {
                rendered.forEach((path, text) -> out.print("# " + path + "\n" + text + "\n"));
                units.links().forEach(l -> out.print("# " + l.path() + " -> " + l.target() + "\n\n"));
            } else {
                OutputWriter.write(outputDir, units, rendered);
            }
            return true;
        } catch (IOException | IllegalArgumentException e) {
            log.error("Failed to generate units for " + source.file() + ": " + e.getMessage() + ", ignoring.");
            return false;
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
            stream.println(kmsg ? "<3>jspawn-generator[" + ProcessHandle.current().pid() + "]: " + message : "jspawn-generator: " + message);
        }
    }
}
