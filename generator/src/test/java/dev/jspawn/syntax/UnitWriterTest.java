package dev.jspawn.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UnitWriterTest {

    @Test
    void writesSectionsInOrderAndEscapesPercentOnce() {
        UnitFile u = new UnitFile().add("Unit", "Description", "100% sure").add("Mount", "Where", "/a").add("Unit", "After", "b");
        assertEquals("# hdr\n\n[Unit]\nDescription=100%% sure\nAfter=b\n\n[Mount]\nWhere=/a\n", UnitWriter.write(u, "hdr"));
    }

    @Test
    void refusesValuesThatWouldBreakTheLine() {
        assertThrows(IllegalArgumentException.class, () -> UnitWriter.write(new UnitFile().add("S", "K", "a\nb"), null));
        assertThrows(IllegalArgumentException.class, () -> UnitWriter.write(new UnitFile().add("S", "K", "a\\"), null));
        assertThrows(IllegalArgumentException.class, () -> UnitWriter.write(new UnitFile().add("S", "K", " a"), null));
    }

    @Test
    void generatedOutputReadsBackWithTheSameParser() {
        UnitFile u = new UnitFile().add("Service", "ExecStart", "").add("Service", "ExecStart", "/bin/x \"a b\"");
        var back = SystemdIniParser.parse(java.nio.file.Path.of("x"), UnitWriter.write(u, "h").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(java.util.List.of("", "/bin/x \"a b\""), back.unit().values("Service", "ExecStart"));
    }
}
