package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rollout's prune, undone: what it removed comes back as it was, and nothing a guest left steers it outside the upper dir. */
class AsideTest {

    @TempDir
    Path tmp;
    Path base, upper, aside;

    @BeforeEach
    void setUp() throws IOException {
        base = Files.createDirectories(tmp.resolve("base"));
        upper = Files.createDirectories(tmp.resolve("upper"));
        aside = tmp.resolve("upper_rollout");
    }

    Path write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    Prune.Summary prune() throws IOException {
        Prune p = new Prune(upper, List.of(base), false, null, a -> { });
        return p.aside(aside).run();
    }

    List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void removedFilesAndDirectoriesComeBackWithTheirModes() throws IOException {
        write(base, "usr/share/doc/a", "a");
        write(upper, "usr/share/doc/a", "a");
        write(base, "etc/same", "x");
        write(upper, "etc/same", "x");
        write(upper, "etc/own", "mine");
        Files.setPosixFilePermissions(base.resolve("usr/share"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(upper.resolve("usr/share"), PosixFilePermissions.fromString("rwxr-x---"));
        List<String> before = tree(upper);
        Prune.Summary s = prune();
        assertEquals(2, s.removed());
        assertEquals(List.of("etc", "etc/own"), tree(upper));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(aside)), "root's alone");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(aside.resolve("usr/share"))));
        Aside.Restored r = Aside.restore(upper, aside);
        assertEquals(before, tree(upper));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(upper.resolve("usr/share"))));
        assertEquals("a", Files.readString(upper.resolve("usr/share/doc/a")));
        assertEquals(new Aside.Restored(2, 0, List.of()), r, "usr goes back whole, etc/same on its own");
        assertFalse(Files.exists(aside));
    }

    @Test
    void whatTheGuestWroteSinceStaysAndARerunFinishes() throws IOException {
        write(base, "etc/same", "x");
        write(upper, "etc/same", "x");
        write(upper, "etc/own", "mine");
        prune();
        write(upper, "etc/same", "written on the new version");
        assertEquals(new Aside.Restored(0, 1, List.of()), Aside.restore(upper, aside));
        assertEquals("written on the new version", Files.readString(upper.resolve("etc/same")));
        assertEquals(new Aside.Restored(0, 0, List.of()), Aside.restore(upper, aside), "nothing left to do");
    }

    @Test
    void aSymlinkTheGuestPutInPlaceOfADirectoryIsNotFollowed() throws IOException {
        write(base, "etc/same", "x");
        write(upper, "etc/same", "x");
        write(upper, "etc/own", "mine");
        prune();
        Path outside = Files.createDirectories(tmp.resolve("host-etc"));
        Files.move(upper.resolve("etc"), tmp.resolve("moved"));
        Files.createSymbolicLink(upper.resolve("etc"), outside);
        Aside.Restored r = Aside.restore(upper, aside);
        assertEquals(List.of(), tree(outside), "nothing written through the symlink");
        assertEquals(new Aside.Restored(0, 1, List.of()), r, "the guest's own entry at etc wins, as a file it wrote would");
        assertTrue(Files.isSymbolicLink(upper.resolve("etc")));
    }
}
