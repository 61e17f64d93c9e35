package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import dev.jspawn.config.SearchPath;
import picocli.CommandLine;

/**
 * The --json schema: the top-level field names each command prints are exactly the ones
 * jspawn(1), JSON OUTPUT, documents for it, and the output is one well-formed JSON value.
 */
class JsonFieldsTest {

    @TempDir
    Path tmp;

    Path etc, root;

    @BeforeEach
    void setUp() throws IOException {
        etc = Files.createDirectories(tmp.resolve("etc"));
        root = Files.createDirectories(tmp.resolve("images"));
        Files.createDirectories(root.resolve("debian/etc"));
        Files.writeString(etc.resolve("web.jspawn"), "[Container]\nBase=debian\nImageRoot=" + root + "\n");
        Files.createDirectories(tmp.resolve("proc/self"));
        Files.writeString(tmp.resolve("proc/self/mountinfo"), "22 1 254:0 / / rw - ext4 /dev/vda rw\n");
    }

    String json(String... args) {
        return json(0, args);
    }

    String json(int expected, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = Jspawn.commandLine(new Context(new SearchPath(List.of(etc)), JspawnCommandTest.FakeBus::new, tmp.resolve("proc"),
                a -> 0, cmd -> {
                    try {
                        return cmd.get(0).equals("cp") ? new ProcessBuilder(cmd).inheritIO().start().waitFor() : 0;
                    } catch (IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
        cl.setOut(new PrintWriter(out));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        if (status != expected) throw new AssertionError(String.join(" ", args) + ": exit " + status + ": " + err);
        return out.toString();
    }

    /** The top-level field names of the first object (of an array, or the value itself); fails on malformed JSON. */
    static Set<String> fields(String json) throws IOException {
        Set<String> names = new TreeSet<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) t = p.nextToken();
            assertEquals(JsonToken.START_OBJECT, t, json);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                names.add(p.currentName());
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT) p.skipChildren();
            }
            p.skipChildren();
            while (p.nextToken() != null) p.skipChildren(); // the rest must parse too
        }
        return names;
    }

    /** The bold names in the paragraph of jspawn(1)'s JSON OUTPUT that documents {@code command}, nested objects' fields left out. */
    static Set<String> documented(String command) throws IOException {
        String page = Files.readString(Path.of("../man/jspawn.1"));
        String section = page.substring(page.indexOf(".SH JSON OUTPUT"), page.indexOf(".SH EXIT STATUS"));
        String paragraph = section.substring(section.indexOf(".B " + command));
        paragraph = paragraph.substring(paragraph.indexOf('\n') + 1);
        int next = paragraph.indexOf(".TP");
        if (next >= 0) paragraph = paragraph.substring(0, next);
        paragraph = paragraph.replaceAll("\\(an object:[^)]*\\)", "").replaceAll("\\(the current version's label[^)]*\\)", "");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\\\fB([a-z_]+)\\\\fR").matcher(paragraph);
        while (m.find()) {
            if (!Set.of("null", "true", "false").contains(m.group(1))) names.add(m.group(1));
        }
        return names;
    }

    @Test
    void listStatusBaseListAndBaseVersionsPrintTheDocumentedFields() throws IOException {
        assertEquals(documented("jspawn list \\-\\-json"), fields(json("list", "--json")));
        assertEquals(documented("jspawn status \\-\\-json"), fields(json(3, "status", "--json", "web")));
        json("base", "--image-root", root.toString(), "update", "debian", "--", "true");
        assertEquals(documented("jspawn base list \\-\\-json"), fields(json("base", "--image-root", root.toString(), "list", "--json")));
        assertEquals(documented("jspawn base versions \\-\\-json"), fields(json("base", "--image-root", root.toString(), "versions", "--json", "debian")));
    }
}
