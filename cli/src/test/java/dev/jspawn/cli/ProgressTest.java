package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long copy says how far it is, and stops saying so when it is done. */
class ProgressTest {

    @TempDir
    Path tmp;

    @Test
    void aCopyReportsHowMuchOfTheSourceTheTargetHolds() throws IOException {
        Path source = Files.createDirectories(tmp.resolve("source"));
        for (int i = 0; i < 4; i++) Files.write(source.resolve("f" + i), new byte[1024]);
        Path target = tmp.resolve("target");
        StringWriter text = new StringWriter();
        int status = Progress.copy(new PrintWriter(text), "copied", source, target, () -> {
            try {
                Files.createDirectories(target);
                for (int i = 0; i < 4; i++) {
                    Files.write(target.resolve("f" + i), new byte[1024]);
                    Thread.sleep(250);
                }
                return 0;
            } catch (IOException | InterruptedException e) {
                return 1;
            }
        }, false, 100);
        assertEquals(0, status);
        String out = text.toString();
        assertTrue(out.matches("(?s)(    copied: [0-9.]+[BK] of 4.0K \\([0-9]+%\\)\\n)+"), out);
        assertTrue(out.contains("(25%)") || out.contains("(50%)") || out.contains("(75%)"), "it reports the copy as it goes: " + out);
        int lines = out.split("\n").length;
        try {
            Thread.sleep(400);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertEquals(lines, text.toString().split("\n").length, "nothing more once the copy is done");
    }
}
