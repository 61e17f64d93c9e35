package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The real runner: what it gives back of the programs it runs. */
class ContextTest {

    @Test
    void aProgramsErrorLinesAreReadInsteadOfShownAndItsStatusKept() {
        List<String> lines = new ArrayList<>();
        assertEquals(3, Context.PROCESSES.runWithErrors(List.of("sh", "-c", "echo one >&2; echo two >&2; exit 3"), lines::add));
        assertEquals(List.of("one", "two"), lines);
    }
}
