package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchPathTest {

    @TempDir
    Path tmp;

    private Path write(String rel, String text) throws IOException {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    @Test
    void earlierDirectoryWinsAndDevNullMasks() throws IOException {
        Path etc = write("etc/a.jspawn", "").getParent();
        Path usr = write("usr/a.jspawn", "").getParent();
        write("usr/b.jspawn", "");
        write("usr/c.jspawn", "");
        Files.createSymbolicLink(etc.resolve("c.jspawn"), Path.of("/dev/null"));
        var scan = new SearchPath(List.of(etc, usr)).scan();
        assertEquals(List.of(), scan.errors());
        assertEquals(Map.of("a", etc.resolve("a.jspawn"), "b", usr.resolve("b.jspawn")),
                scan.sources().stream().collect(Collectors.toMap(ConfigSource::name, ConfigSource::file)));
    }

    @Test
    void dropInsFromAllDirectoriesInNameOrderEarlierDirectoryWinsPerName() throws IOException {
        Path etc = write("etc/a.jspawn", "").getParent();
        Path usr = tmp.resolve("usr");
        write("usr/a.jspawn.d/10-x.conf", "");
        write("etc/a.jspawn.d/10-x.conf", "");
        write("usr/a.jspawn.d/20-y.conf", "");
        write("etc/a.jspawn.d/05-z.conf", "");
        write("usr/a.jspawn.d/30-masked.conf", "");
        write("etc/a.jspawn.d/not-a-conf.txt", "");
        Files.createSymbolicLink(etc.resolve("a.jspawn.d/30-masked.conf"), Path.of("/dev/null"));
        var source = new SearchPath(List.of(etc, usr)).find("a").orElseThrow();
        assertEquals(List.of(etc.resolve("a.jspawn.d/05-z.conf"), etc.resolve("a.jspawn.d/10-x.conf"), usr.resolve("a.jspawn.d/20-y.conf")),
                source.dropIns());
    }

    @Test
    void badFileNamesAreReportedNotConverted() throws IOException {
        Path etc = write("etc/caf\u00e9.jspawn", "").getParent();
        write("etc/ok.jspawn", "");
        var scan = new SearchPath(List.of(etc)).scan();
        assertEquals(List.of("ok"), scan.sources().stream().map(ConfigSource::name).toList());
        assertEquals(1, scan.errors().size());
        assertEquals(etc.resolve("caf\u00e9.jspawn") + ": container name \"caf\u00e9\" is not allowed: use 1 to 64 of A-Z a-z 0-9 _ . - "
                + "(not starting with '.' or '-', no \"..\"), or a template's instance PREFIX@INSTANCE, ignoring", scan.errors().get(0).toString());
    }

    @Test
    void environmentReplacesTheSearchPath() {
        assertEquals(SearchPath.DEFAULT, SearchPath.fromEnvironment(Map.of()).dirs());
        assertEquals(List.of(Path.of("/a"), Path.of("/b")), SearchPath.fromEnvironment(Map.of("JSPAWN_UNIT_DIRS", "/a::/b")).dirs());
    }
}
