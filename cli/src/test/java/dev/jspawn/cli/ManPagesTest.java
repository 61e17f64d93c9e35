package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man pages: man(1) renders each without a warning (a line starting with a dot that is no
 * macro, a table too wide, ...), and jspawn(1)'s synopsis names every command and option that
 * picocli's model of the jspawn command has.
 */
class ManPagesTest {

    static final Path MAN = Path.of("../man");

    static Stream<Path> pages() throws IOException {
        try (Stream<Path> s = Files.list(MAN)) {
            return s.filter(p -> p.getFileName().toString().matches(".*\\.[1-8]")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("pages")
    void manRendersItWithoutAWarning(Path page) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("man", "--warnings", "-l", page.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("MANWIDTH", "80");
        pb.environment().put("MANPAGER", "cat");
        Process p = pb.start();
        String warnings = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), warnings);
        assertEquals("", warnings, page + ": man --warnings");
    }

    /** The synopsis lines of jspawn(1), roff escapes removed. */
    static List<String> synopsis() throws IOException {
        String page = Files.readString(MAN.resolve("jspawn.1"));
        String block = page.substring(page.indexOf(".SH SYNOPSIS"), page.indexOf(".SH DESCRIPTION"));
        List<String> lines = new ArrayList<>();
        for (String l : block.split("\n")) {
            if (l.startsWith(".")) continue;
            String text = l.replaceAll("\\\\f[BIR]", "").replace("\\-", "-");
            if (text.startsWith(" ") && !lines.isEmpty()) lines.set(lines.size() - 1, lines.get(lines.size() - 1) + " " + text.strip());
            else lines.add(text);
        }
        return lines;
    }

    @Test
    void theSynopsisNamesEveryCommandAndOption() throws IOException {
        List<String> synopsis = synopsis();
        CommandSpec root = Jspawn.commandLine(Context.system()).getCommandSpec();
        List<String> missing = new ArrayList<>();
        check(root, synopsis, missing);
        assertTrue(missing.isEmpty(), "jspawn(1) SYNOPSIS lacks: " + missing + "\n" + String.join("\n", synopsis));
    }

    private static void check(CommandSpec spec, List<String> synopsis, List<String> missing) {
        for (CommandLine sub : spec.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (s.usageMessage().hidden() || s.name().equals("help") || s.parent() != spec) continue;
            if (!s.subcommands().isEmpty() && s.userObject() instanceof BaseCommand) {
                check(s, synopsis, missing);
                continue;
            }
            String command = s.qualifiedName(" ");
            List<String> lines = synopsis.stream().filter(l -> l.startsWith(command + " ") || l.equals(command)
                    || l.matches(java.util.regex.Pattern.quote(command.substring(0, command.lastIndexOf(' ') + 1)) + "([a-z-]+\\|)*"
                            + java.util.regex.Pattern.quote(s.name()) + "(\\|[a-z-]+)*( .*)?")).toList();
            if (lines.isEmpty()) {
                missing.add(command);
                continue;
            }
            for (OptionSpec o : s.options()) {
                if (o.inherited() || o.usageHelp() || o.versionHelp() || o.hidden()) continue;
                String name = o.longestName();
                boolean named = lines.stream().anyMatch(l -> l.matches(".*(^|[ \\[|])" + java.util.regex.Pattern.quote(name) + "([ \\]|=].*)?$")
                        || l.contains("--[no-]" + name.substring(2)));
                if (!named) missing.add(command + " " + name);
            }
        }
    }
}
