package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests in the shape of systemd's test-fstab-generator: each case under src/test/golden
 * has input/ (one or more search-path directories, in name order), expected/ (the tree the
 * generator must write: file list first, then contents and link targets) and expected-stderr.
 * The absolute input path is written as @INPUT@. Run with -Djspawn.golden.update=true to
 * rewrite the expectations after an intended change, then review the diff.
 */
class GoldenTest {

    static final Path GOLDEN = Path.of("src/test/golden").toAbsolutePath();

    @TempDir
    Path out;

    static Stream<String> cases() throws IOException {
        try (Stream<Path> s = Files.list(GOLDEN)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatorWritesTheExpectedTree(String name) throws IOException {
        Path dir = GOLDEN.resolve(name);
        String inputs;
        try (Stream<Path> s = Files.list(dir.resolve("input"))) {
            inputs = s.sorted().map(Path::toString).collect(Collectors.joining(":"));
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new GeneratorMain(new PrintStream(new ByteArrayOutputStream()), new GeneratorMain.Log(new PrintStream(err, true, StandardCharsets.UTF_8)))
                .run(new String[] {out.toString(), out.toString(), out.toString()}, Map.of("JSPAWN_UNIT_DIRS", inputs));
        assertEquals(0, status, "a generator run always exits 0");
        String input = dir.resolve("input").toString();
        Map<String, String> actual = tree(out, input);
        String stderr = err.toString(StandardCharsets.UTF_8).replace(input, "@INPUT@");

        if (Boolean.getBoolean("jspawn.golden.update")) {
            Path expected = dir.resolve("expected");
            if (Files.exists(expected)) deleteTree(expected);
            copyTree(out, expected, input);
            Files.writeString(dir.resolve("expected-stderr"), stderr);
        }
        Map<String, String> expected = tree(dir.resolve("expected"), input);
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()), "the list of files written");
        for (String path : expected.keySet()) assertEquals(expected.get(path), actual.get(path), path);
        assertEquals(Files.readString(dir.resolve("expected-stderr")), stderr, "stderr");
    }

    /** Relative path → file text, or "-> target" for a symlink. */
    static Map<String, String> tree(Path root, String input) throws IOException {
        Map<String, String> map = new TreeMap<>();
        if (!Files.exists(root)) return map;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) map.put(rel, "-> " + Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) map.put(rel, Files.readString(p).replace(input, "@INPUT@"));
            }
        }
        return map;
    }

    private static void copyTree(Path from, Path to, String input) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) Files.createSymbolicLink(t, Files.readSymbolicLink(p));
                else if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.writeString(t, Files.readString(p).replace(input, "@INPUT@"));
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = s.sorted((a, b) -> b.compareTo(a)).toList();
            for (Path x : all) Files.delete(x);
        }
    }
}
