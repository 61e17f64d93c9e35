package dev.jspawn.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import dev.jspawn.generator.OutputWriter;
import dev.jspawn.runtime.ImageDirs;
import dev.jspawn.runtime.MachineId;
import dev.jspawn.runtime.RangeChoice;
import dev.jspawn.syntax.Diagnostic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "verify",
        description = {"Check .jspawn files and report every error (file, line, key, reason).",
                "Without FILE, checks every container in the search path. Prints nothing when all is well."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every file is valid", "1:at least one error was reported"})
final class VerifyCommand implements Callable<Integer> {

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "NAME.jspawn files to check (their NAME.jspawn.d drop-ins beside them are included).")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<ConfigSource> sources = new ArrayList<>();
        int problems = 0;
        Bases bases = Bases.load(parent.context.searchPath());
        if (files.isEmpty()) {
            SearchPath.Scan scan = parent.context.searchPath().scan();
            sources.addAll(scan.sources());
            List<Diagnostic> found = new ArrayList<>(scan.errors());
            found.addAll(bases.errors());
            for (Diagnostic d : found) {
                err.println(d);
                problems++;
            }
        } else {
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    err.println(f + ": no such file");
                    problems++;
                } else {
                    sources.add(SearchPath.ofFile(f));
                }
            }
        }
        // Judged together with every container of the search path, as the generator judges them.
        List<ConfigSource> all = new ArrayList<>(parent.context.searchPath().scan().sources());
        for (ConfigSource s : sources) {
            if (all.stream().noneMatch(a -> a.file().equals(s.file()))) all.add(s);
        }
        java.util.Map<ConfigSource, ConfigLoader.Result> judged = ConfigLoader.loadAll(all, bases);
        for (ConfigSource s : sources) {
            ConfigLoader.Result r = judged.entrySet().stream().filter(e -> e.getKey().file().equals(s.file())).findFirst().orElseThrow().getValue();
            Diagnostic.capped(r.errors()).forEach(err::println);
            problems += r.errors().size();
            if (r.ok()) {
                try {
                    if (RangeChoice.unconverted(r.config().get())) {
                        err.println(Diagnostic.ofFile(s.file(), "warning: " + s.name() + " runs without a user namespace (its upper dir is owned by"
                                + " root: made before jspawn used them), so its guest root is host root; convert it with: jspawn convert-userns " + s.name()));
                    }
                } catch (java.io.IOException e) {
                    err.println(Diagnostic.ofFile(s.file(), "cannot read its upper dir: " + e.getMessage()));
                }
                // What the generator cannot check at boot (it must not read /var): that the bases exist.
                for (String dir : r.config().get().lowerDirs()) {
                    try {
                        Optional<String> missing = ImageDirs.missingBase(Path.of(dir));
                        if (missing.isPresent()) {
                            err.println(Diagnostic.ofFile(s.file(), missing.get()));
                            problems++;
                        }
                    } catch (java.io.IOException e) {
                        err.println(Diagnostic.ofFile(s.file(), "cannot read base " + dir + ": " + e.getMessage()));
                        problems++;
                    }
                }
                // A hand-made base that still has a machine ID gives it to every child (see IDENTITY in jspawn.jspawn(5)).
                try {
                    List<Path> layers = r.config().get().lowerDirs().stream().map(Path::of).toList();
                    MachineId.ofBase(layers).ifPresent(id -> err.println(Diagnostic.ofFile(s.file(), "warning: its base carries machine ID "
                            + id + " in /etc/machine-id, which every child of it would share; blank it with: jspawn base update BASE -- true")));
                } catch (java.io.IOException e) {
                    err.println(Diagnostic.ofFile(s.file(), "cannot read its base's /etc/machine-id: " + e.getMessage()));
                }
                try {
                    OutputWriter.render(Converter.convert(r.config().get()));
                } catch (IllegalArgumentException e) {
                    err.println(s.file() + ": " + e.getMessage());
                    problems++;
                }
            }
        }
        err.flush();
        return problems == 0 ? 0 : Jspawn.FAILURE;
    }
}
