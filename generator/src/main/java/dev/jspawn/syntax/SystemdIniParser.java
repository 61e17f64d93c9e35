package dev.jspawn.syntax;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.ini4j.Config;
import org.ini4j.spi.IniHandler;
import org.ini4j.spi.IniParser;

/**
 * Reads a file in systemd's unit-file syntax (systemd.syntax(7)) into a {@link UnitFile}.
 *
 * <p>ini4j splits sections and {@code key=value} pairs; this class first applies the rules of
 * systemd's syntax that ini4j does not know (each rule tested in SystemdIniParserTest): a trailing backslash joins the
 * next line with a space, comment lines inside such a continuation are skipped, a continuation at
 * the end of the file keeps its value, and only whole-line {@code #}/{@code ;} comments exist.
 * Where systemd would warn and skip a line (a line with no '=', a key before the first section,
 * invalid UTF-8), jspawn reports an error, so a typo never goes unnoticed. Each line ini4j sees
 * is one whole logical line, so its callbacks come in the same order as the lines found here,
 * which is how each entry gets its line number.
 */
public final class SystemdIniParser {

    /** The outcome: the entries found and the errors; a file with errors must not be used. */
    public record Result(UnitFile unit, List<Diagnostic> errors) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Pattern SECTION = Pattern.compile("\\[([A-Za-z0-9][A-Za-z0-9_. -]*)\\]");

    private record Line(int number, String text, boolean section) {
    }

    private SystemdIniParser() {
    }

    public static Result parse(Path file) {
        try {
            return parse(file, ConfigFiles.read(file));
        } catch (IOException e) {
            return new Result(new UnitFile(), List.of(Diagnostic.ofFile(file, e.getMessage())));
        }
    }

    public static Result parse(Path file, byte[] content) {
        List<Diagnostic> errors = new ArrayList<>();
        List<Line> lines = logicalLines(file, content, errors);
        boolean triedAHeader = errors.stream().anyMatch(d -> d.message().startsWith("invalid section header"));
        if (!errors.isEmpty() && !triedAHeader && lines.stream().noneMatch(Line::section)) {
            // No section header anywhere: not a configuration at all (a link to /etc/shadow, a binary). Echo none of it.
            return new Result(new UnitFile(), List.of(Diagnostic.ofFile(file, "is not a configuration file: no [Section] header, and "
                    + errors.size() + (errors.size() == 1 ? " line that is" : " lines that are") + " not KEY=VALUE (first at line "
                    + errors.get(0).line() + "); its content is not shown")));
        }
        UnitFile unit = new UnitFile();
        if (!lines.isEmpty()) splitWithIni4j(file, lines, unit, errors);
        return new Result(unit, List.copyOf(errors));
    }

    /** Physical lines to logical lines, with systemd's rules; keeps section headers and assignments. */
    private static List<Line> logicalLines(Path file, byte[] content, List<Diagnostic> errors) {
        List<Line> out = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        if (content.length >= 3 && (content[0] & 0xff) == 0xef && (content[1] & 0xff) == 0xbb && (content[2] & 0xff) == 0xbf) {
            start = 3; // UTF-8 byte order mark
        }
        StringBuilder pending = null; // a continuation being joined
        int pendingLine = 0;
        boolean inSection = false;
        int number = 0;
        while (start <= content.length) {
            int end = start;
            while (end < content.length && content[end] != '\n') end++;
            if (end == content.length && start == end) break; // no text after the last newline
            number++;
            String text;
            try {
                text = utf8.decode(ByteBuffer.wrap(content, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                errors.add(Diagnostic.at(file, number, "invalid UTF-8"));
                text = null;
            }
            start = end + 1;
            if (text == null) {
                continue;
            }
            if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
            String stripped = text.strip();
            if (stripped.startsWith("#") || stripped.startsWith(";")) {
                continue; // a comment, also inside a continuation (systemd skips those too)
            }
            if (pending == null && stripped.isEmpty()) {
                continue;
            }
            if (endsWithUnescapedBackslash(text)) {
                // systemd replaces the backslash with a space and appends the next line as it is
                if (pending == null) {
                    pending = new StringBuilder();
                    pendingLine = number;
                }
                pending.append(text, 0, text.length() - 1).append(' ');
                continue;
            }
            String logical;
            int at;
            if (pending != null) {
                logical = pending.append(text).toString().strip();
                at = pendingLine;
                pending = null;
            } else {
                logical = stripped;
                at = number;
            }
            inSection = classify(file, at, logical, inSection, out, errors);
        }
        if (pending != null) { // a continuation at the end of the file keeps its value
            classify(file, pendingLine, pending.toString().strip(), inSection, out, errors);
        }
        return out;
    }

    private static boolean endsWithUnescapedBackslash(String text) {
        int n = 0;
        for (int i = text.length() - 1; i >= 0 && text.charAt(i) == '\\'; i--) n++;
        return n % 2 == 1;
    }

    private static boolean classify(Path file, int number, String logical, boolean inSection, List<Line> out, List<Diagnostic> errors) {
        for (int i = 0; i < logical.length(); i++) {
            char c = logical.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                errors.add(Diagnostic.at(file, number, "control character U+%04X in line".formatted((int) c)));
                return inSection;
            }
        }
        if (logical.startsWith("[")) {
            if (!SECTION.matcher(logical).matches()) {
                errors.add(Diagnostic.at(file, number, "invalid section header \"" + logical + "\""));
                return false;
            }
            out.add(new Line(number, logical, true));
            return true;
        }
        int eq = logical.indexOf('=');
        if (eq < 0) {
            errors.add(Diagnostic.at(file, number, "missing '=' in \"" + logical + "\": expected KEY=VALUE"));
            return inSection;
        }
        String key = logical.substring(0, eq).strip();
        if (!KEY.matcher(key).matches()) {
            errors.add(Diagnostic.at(file, number, "invalid key \"" + key + "\""));
            return inSection;
        }
        if (!inSection) {
            errors.add(new Diagnostic(file, number, null, key, "assignment outside of any section"));
            return false;
        }
        out.add(new Line(number, key + "=" + logical.substring(eq + 1).strip(), false));
        return true;
    }

    /**
     * One ini4j parser for every file: a parser keeps nothing of a parse but its configuration, so one serves every
     * parse, also at once. Made with its constructor: IniParser.newInstance looks its class up as a service (reading
     * META-INF/services through the class loader, then Class.forName), which was about 5% of a generator run with one
     * file, and at a thousand files when it was made for each.
     */
    private static final IniParser INI4J = new Ini4jParser(ini4jConfig());

    /** ini4j's own parser, given its configuration as IniParser.newInstance(Config) does (setConfig is protected). */
    private static final class Ini4jParser extends IniParser {
        Ini4jParser(Config config) {
            setConfig(config);
        }
    }

    /** What ini4j is to do: split sections and key=value lines, nothing more (the rest is done above and in the Collector). */
    private static Config ini4jConfig() {
        Config config = new Config();
        config.setEscape(false);
        config.setEscapeNewline(false);
        config.setMultiOption(true);
        config.setMultiSection(false);
        config.setTree(false);
        config.setInclude(false);
        config.setEmptyOption(true);
        config.setGlobalSection(false);
        config.setComment(false);
        config.setHeaderComment(false);
        config.setStrictOperator(true);
        config.setLowerCaseOption(false);
        config.setLowerCaseSection(false);
        return config;
    }

    private static void splitWithIni4j(Path file, List<Line> lines, UnitFile unit, List<Diagnostic> errors) {
        StringBuilder text = new StringBuilder();
        for (Line l : lines) text.append(l.text).append('\n');
        Collector collector = new Collector(file, lines, unit);
        try {
            INI4J.parse(new StringReader(text.toString()), collector);
        } catch (IOException | RuntimeException e) {
            errors.add(Diagnostic.ofFile(file, "Failed to parse file: " + e.getMessage()));
        }
        if (collector.next != lines.size()) {
            errors.add(Diagnostic.ofFile(file, "Failed to parse file: the parser saw " + collector.next + " of " + lines.size() + " lines"));
        }
    }

    /** Receives ini4j's callbacks, one per line given, and attaches each line's number. */
    private static final class Collector implements IniHandler {
        private final Path file;
        private final List<Line> lines;
        private final UnitFile unit;
        private String section;
        private int next;

        Collector(Path file, List<Line> lines, UnitFile unit) {
            this.file = file;
            this.lines = lines;
            this.unit = unit;
        }

        @Override
        public void startSection(String name) {
            expect(true);
            section = name;
            unit.section(name);
        }

        @Override
        public void handleOption(String name, String value) {
            Line line = expect(false);
            unit.add(new UnitFile.Entry(section, name, value == null ? "" : value, file, line.number));
        }

        private Line expect(boolean isSection) {
            if (next >= lines.size() || lines.get(next).section != isSection) {
                throw new IllegalStateException("ini4j and the line scanner disagree at line " + (next < lines.size() ? lines.get(next).number : -1));
            }
            return lines.get(next++);
        }

        @Override
        public void startIni() {
        }

        @Override
        public void endIni() {
        }

        @Override
        public void endSection() {
        }

        @Override
        public void handleComment(String comment) {
        }
    }
}
