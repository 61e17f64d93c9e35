package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prune rules that need no root. Whiteouts (0/0 devices), owners and device nodes need root and
 * are covered, with a real overlay mount as the oracle, by PruneIT in tests/.
 */
class PruneTest {

    @TempDir
    Path tmp;

    Path base, upper, backup;
    final List<String> actions = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createDirectories(tmp.resolve("base"));
        upper = Files.createDirectories(tmp.resolve("upper"));
        backup = tmp.resolve("backup");
    }

    Path write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    Prune.Summary prune(boolean dryRun, boolean preferBase, Path... lowers) throws IOException {
        return new Prune(upper, lowers.length == 0 ? List.of(base) : List.of(lowers), dryRun, preferBase ? backup : null,
                a -> actions.add(a.toString())).run();
    }

    List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    static void setXattr(Path p, String name, String value) throws IOException {
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void identicalCopiesGoChangedAndOwnFilesStay() throws IOException {
        write(base, "etc/same", "x");
        write(base, "etc/changed", "base");
        write(upper, "etc/same", "x");
        write(upper, "etc/changed", "child");
        write(upper, "etc/own", "child only");
        Prune.Summary s = prune(false, false);
        assertEquals(List.of("etc", "etc/changed", "etc/own"), tree(upper));
        assertEquals("child", Files.readString(upper.resolve("etc/changed")));
        assertEquals(new Prune.Summary(1, 0, 1, 0), s);
        assertEquals(List.of("remove etc/same (identical to the base)", "keep etc/changed (changed by the child)"),
                actions.stream().sorted((a, b) -> a.startsWith("remove") ? -1 : 1).toList());
    }

    @Test
    void aDirectoryHoldingOnlyIdenticalCopiesGoesToo() throws IOException {
        write(base, "usr/share/doc/a", "a");
        write(upper, "usr/share/doc/a", "a");
        prune(false, false);
        assertEquals(List.of(), tree(upper));
        assertTrue(actions.contains("remove directory usr/share/doc (holds nothing the base lacks)"), actions.toString());
    }

    @Test
    void dryRunListsEveryActionAndChangesNothing() throws IOException {
        write(base, "usr/share/doc/a", "a");
        write(upper, "usr/share/doc/a", "a");
        write(base, "etc/b", "b");
        write(upper, "etc/b", "B");
        List<String> before = tree(upper);
        prune(true, true);
        assertEquals(before, tree(upper));
        assertFalse(Files.exists(backup));
        assertEquals(List.of("move etc/b to " + backup.resolve("etc/b") + " (changed by the child; the base's version will show)",
                "remove directory etc (holds nothing the base lacks)", "remove usr/share/doc/a (identical to the base)", "remove directory usr/share/doc (holds nothing the base lacks)",
                "remove directory usr/share (holds nothing the base lacks)", "remove directory usr (holds nothing the base lacks)"), actions);
    }

    @Test
    void modeAndXattrsCount() throws IOException {
        write(base, "bin/tool", "#!/bin/sh");
        Files.setPosixFilePermissions(write(upper, "bin/tool", "#!/bin/sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write(base, "etc/tagged", "t");
        setXattr(write(upper, "etc/tagged", "t"), "tag", "child");
        prune(false, false);
        assertEquals(List.of("bin", "bin/tool", "etc", "etc/tagged"), tree(upper));
        setXattr(base.resolve("etc/tagged"), "tag", "child");
        Files.setPosixFilePermissions(base.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x"));
        prune(false, false);
        assertEquals(List.of(), tree(upper));
    }

    @Test
    void symlinksAreComparedNeverFollowed() throws IOException {
        Files.createDirectories(base.resolve("etc"));
        Files.createDirectories(upper.resolve("etc"));
        Files.createSymbolicLink(base.resolve("etc/same"), Path.of("/usr/share/zoneinfo/UTC"));
        Files.createSymbolicLink(upper.resolve("etc/same"), Path.of("/usr/share/zoneinfo/UTC"));
        write(tmp, "outside/secret", "x");
        write(base, "etc/secret", "x");
        Files.createSymbolicLink(upper.resolve("etc/secret"), tmp.resolve("outside/secret"));
        Files.createDirectories(base.resolve("var"));
        Files.createSymbolicLink(upper.resolve("var"), tmp.resolve("outside"));
        prune(false, false);
        assertEquals(List.of("etc", "etc/secret", "var"), tree(upper));
        assertTrue(Files.exists(tmp.resolve("outside/secret")), "a symlink's target is never touched");
    }

    @Test
    void preferBaseMovesChangedFilesToNumberedBackups() throws IOException {
        write(base, "etc/conf", "base");
        write(upper, "etc/conf", "child 1");
        prune(false, true);
        assertEquals(List.of(), tree(upper));
        write(upper, "etc/conf", "child 2");
        prune(false, true);
        write(upper, "etc/conf", "child 3");
        prune(false, true);
        assertEquals("child 1", Files.readString(backup.resolve("etc/conf")));
        assertEquals("child 2", Files.readString(backup.resolve("etc/conf.~1~")));
        assertEquals("child 3", Files.readString(backup.resolve("etc/conf.~2~")));
    }

    @Test
    void hardLinkedFilesStay() throws IOException {
        write(base, "a", "x");
        write(base, "b", "x");
        Path a = write(upper, "a", "x");
        Files.createLink(upper.resolve("b"), a);
        prune(false, false);
        assertEquals(List.of("a", "b"), tree(upper));
    }

    @Test
    void nothingBelowAnOpaqueDirectoryIsPruned() throws IOException {
        write(base, "srv/www/index.html", "same");
        write(upper, "srv/www/index.html", "same");
        setXattr(upper.resolve("srv/www"), "overlay.opaque", "y");
        prune(false, false);
        assertEquals(List.of("srv", "srv/www", "srv/www/index.html"), tree(upper),
                "under an opaque dir the base is hidden: removing the copy would lose it");
    }

    @Test
    void theBaseIsSeenThroughItsLayersAsTheChildSeesIt() throws IOException {
        Path top = Files.createDirectories(tmp.resolve("web-base"));
        write(top, "etc/app.conf", "from web-base");
        write(base, "etc/app.conf", "from default-ns-1");
        write(base, "srv/hidden", "old");
        write(top, "srv/other", "new");
        setXattr(top.resolve("srv"), "overlay.opaque", "y");
        write(upper, "etc/app.conf", "from web-base");
        write(upper, "srv/hidden", "old");
        prune(false, false, top, base);
        assertEquals(List.of("srv", "srv/hidden"), tree(upper),
                "the top layer's version is the one that counts; an opaque middle directory hides the bottom one");
    }

    @Test
    void aLayerNamedThroughASymlinkIsItsTarget() throws IOException {
        write(base, "etc/same", "x");
        write(upper, "etc/same", "x");
        Path link = Files.createSymbolicLink(tmp.resolve("default-ns-1"), base);
        prune(false, false, link);
        assertEquals(List.of(), tree(upper));
    }

    @Test
    void aFileReplacingADirectoryIsAChange() throws IOException {
        write(base, "opt/app/x", "x");
        write(upper, "opt/app", "a file now");
        prune(false, false);
        assertEquals(List.of("opt", "opt/app"), tree(upper));
        assertEquals(List.of("keep opt/app (changed by the child)"), actions);
    }

    @Test
    void runningItAgainChangesNothing() throws IOException {
        write(base, "a/b", "x");
        write(upper, "a/b", "x");
        write(base, "c", "base");
        write(upper, "c", "child");
        prune(false, true);
        List<String> first = tree(upper);
        List<String> backups = tree(backup);
        actions.clear();
        prune(false, true);
        assertEquals(first, tree(upper));
        assertEquals(backups, tree(backup));
        assertEquals(List.of(), actions);
    }
}
