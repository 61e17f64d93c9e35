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

    /** find(NAME) looks up one file rather than listing them all: it must take what the scan takes, and nothing else. */
    @Test
    void findTakesForEachNameWhatTheScanTakes() throws IOException {
        Path etc = write("etc/plain.jspawn", "").getParent();
        Path run = tmp.resolve("run");
        Path usr = tmp.resolve("usr");
        write("usr/plain.jspawn", "");                       // shadowed by etc's
        write("usr/plain.jspawn.d/10-a.conf", "");
        write("etc/plain.jspawn.d/20-b.conf", "");
        write("run/only-run.jspawn", "");
        write("usr/masked.jspawn", "");
        Files.createSymbolicLink(etc.resolve("masked.jspawn"), Path.of("/dev/null")); // masks usr's, as in systemd
        Files.createSymbolicLink(etc.resolve("dangling.jspawn"), Path.of("nowhere"));
        write("usr/dangling.jspawn", "");                    // not taken: etc's dangling link wins and is an error
        Files.createDirectories(etc.resolve("dir.jspawn"));
        write("usr/web@.jspawn", "");                        // a template
        write("usr/web@.jspawn.d/10-t.conf", "");
        write("etc/web@one.jspawn", "");                     // its instance
        write("etc/web@one.jspawn.d/10-own.conf", "");
        write("etc/api@x.jspawn", "");                       // an instance name without a template
        write("etc/bad@.jspawn", "");                        // bad@: a template without instances
        Files.createSymbolicLink(etc.resolve("off@.jspawn"), Path.of("/dev/null")); // a masked template
        write("etc/off@a.jspawn", "");
        write("etc/caf\u00e9.jspawn", "");                  // a bad name
        SearchPath path = new SearchPath(List.of(etc, run, usr));
        Map<String, ConfigSource> scanned = path.scan().sources().stream().collect(Collectors.toMap(ConfigSource::name, s -> s));
        for (String name : List.of("plain", "only-run", "masked", "dangling", "dir", "web@one", "web@", "web@two", "api@x", "bad@",
                "off@a", "caf\u00e9", "missing", "../etc/plain", "")) {
            assertEquals(java.util.Optional.ofNullable(scanned.get(name)), path.find(name), name);
        }
        assertEquals(List.of(usr.resolve("web@.jspawn"), usr.resolve("web@.jspawn.d/10-t.conf")), path.find("web@one").orElseThrow().template(),
                "the instance is its template plus its own");
    }
}
