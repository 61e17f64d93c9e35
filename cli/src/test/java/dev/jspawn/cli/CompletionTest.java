package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine.Model.CommandSpec;

/**
 * The completion scripts in units/completion are what {@link Completion} writes from the command
 * model (run with -Djspawn.golden.update=true to rewrite them), and they complete what they should
 * in the real bash and zsh.
 */
class CompletionTest {

    static final Path BASH = Path.of("../units/completion/jspawn.bash");
    static final Path ZSH = Path.of("../units/completion/_jspawn");

    @TempDir
    Path tmp;

    static CommandSpec model() {
        return Jspawn.commandLine(Context.system()).getCommandSpec();
    }

    @Test
    void theScriptsAreWhatTheCommandModelGives() throws IOException {
        if (Boolean.getBoolean("jspawn.golden.update")) {
            Files.writeString(BASH, Completion.bash(model()));
            Files.writeString(ZSH, Completion.zsh(model()));
        }
        assertEquals(Completion.bash(model()), Files.readString(BASH), BASH + " is stale: run with -Djspawn.golden.update=true");
        assertEquals(Completion.zsh(model()), Files.readString(ZSH), ZSH + " is stale: run with -Djspawn.golden.update=true");
    }

    @BeforeEach
    void someContainersAndBases() throws IOException {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("child_apache.jspawn"), "");
        Files.writeString(etc.resolve("db.jspawn"), "");
        Files.writeString(etc.resolve("shop@.jspawn"), "");
        Files.writeString(etc.resolve("shop@1.jspawn"), "");
        Files.writeString(etc.resolve("web-base.base"), "");
        Path images = Files.createDirectories(tmp.resolve("images"));
        for (String d : List.of("debian", "child_apache", "child_apache_up", "child_apache_work", ".jspawn/bases/arch")) {
            Files.createDirectories(images.resolve(d));
        }
    }

    String shell(String shell, String script) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(shell, "-c", script).redirectErrorStream(true);
        pb.environment().put("JSPAWN_UNIT_DIRS", tmp.resolve("etc").toString());
        pb.environment().put("JSPAWN_IMAGE_ROOT", tmp.resolve("images").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.strip();
    }

    /** What bash offers for the words of a line whose last word is being completed. */
    String complete(String... words) throws IOException, InterruptedException {
        String array = String.join(" ", java.util.Arrays.stream(words).map(w -> "'" + w + "'").toList());
        return shell("bash", "source " + BASH + "; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; _jspawn_bash; printf '%s\\n' \"${COMPREPLY[@]}\" | sort | paste -sd' '");
    }

    @Test
    void bashCompletesSubcommandsOptionsContainersAndBases() throws Exception {
        assertEquals("start status stop", complete("jspawn", "st"));
        assertEquals("base", complete("jspawn", "ba"));
        assertEquals("--json", complete("jspawn", "list", "--j"));
        assertEquals("--no-legend", complete("jspawn", "list", "--no-l"));
        assertEquals("child-apache child_apache", complete("jspawn", "status", "chi"));
        assertEquals("db", complete("jspawn", "--no-block", "stop", "d"));
        assertEquals("shop-1 shop@1", complete("jspawn", "start", "sh"), "instances, never the template");
        assertEquals("arch debian web-base", complete("jspawn", "base", "versions", ""), "bases: versioned, .base files, plain dirs; no container dirs");
        assertEquals("--networkd --no-block --no-networkd", complete("jspawn", "base", "create", "--n"));
        assertEquals("", complete("jspawn", "create", "chi"), "a new name: nothing to offer");
    }

    @Test
    void zshReadsTheScriptAndFindsTheSameNames() throws Exception {
        assertEquals("", shell("zsh", "zsh -n " + ZSH));
        String functions = "eval \"$(sed -n '/^_jspawn_containers()/,/^}/p;/^_jspawn_bases()/,/^}/p' " + ZSH + ")\"; ";
        assertEquals("child-apache child_apache db shop-1 shop@1", shell("zsh", functions + "_jspawn_containers | sort | paste -sd' '"));
        assertEquals("arch debian web-base", shell("zsh", functions + "_jspawn_bases | sort | paste -sd' '"));
    }
}
