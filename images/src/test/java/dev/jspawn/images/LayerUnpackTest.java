package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A layer's tar unpacked as overlayfs needs it, and hostile tars refused without a byte written outside. */
class LayerUnpackTest {

    @TempDir
    Path tmp;
    Path layer, outside;

    @BeforeEach
    void dirs() throws Exception {
        layer = Files.createDirectory(tmp.resolve("layer"));
        outside = Files.createDirectory(tmp.resolve("outside"));
    }

    private void unpack(TestImages.Tar t) throws Exception {
        unpack(t.bytes(), LayerUnpack.Limits.DEFAULT);
    }

    private void unpack(byte[] tar, LayerUnpack.Limits limits) throws Exception {
        LayerUnpack.unpack(new ByteArrayInputStream(tar), layer, limits);
    }

    @Test
    void keepsOwnersModesLinksFifosAndAttributes() throws Exception {
        unpack(new TestImages.Tar().dir("./").dir("etc").file("etc/motd", "hello\n", e -> {
            e.setIds(1000, 1001);
            e.setMode(0104750);
            e.addPaxHeader("SCHILY.xattr.user.note", "kept");
        }).symlink("etc/link", "/etc/motd").hardlink("etc/again", "etc/motd").device("run-fifo", TarArchiveEntry.LF_FIFO, 0, 0)
                .file("usr/lib/deep", "parents made\n"));
        Path motd = layer.resolve("etc/motd");
        assertEquals("hello\n", Files.readString(motd));
        Node n = Node.stat(motd).orElseThrow();
        assertEquals(1000, n.uid());
        assertEquals(1001, n.gid());
        assertEquals(04750, n.mode(), "setuid kept: the owner was set first");
        assertEquals(2, n.nlink(), "the hard link shares the inode");
        assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), Xattrs.get(motd, "user.note"));
        assertEquals(Path.of("/etc/motd"), Files.readSymbolicLink(layer.resolve("etc/link")));
        assertEquals(Node.Type.FIFO, Node.stat(layer.resolve("run-fifo")).orElseThrow().type());
        assertEquals("parents made\n", Files.readString(layer.resolve("usr/lib/deep")));
    }

    /** Values that are not UTF-8 (every ACL: its undefined id is 0xffffffff) come through byte for byte, from GNU tar's own PAX records. */
    @Test
    void binaryAttributesFromGnuTarComeThroughExactly() throws Exception {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Files.writeString(src.resolve("f"), "x");
        byte[] value = { 2, 0, 0, 0, 1, 0, 7, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xc3, 0 };
        Xattrs.set(src.resolve("f"), "user.binary", value);
        Path tarFile = tmp.resolve("layer.tar");
        Process p = new ProcessBuilder("tar", "--xattrs", "--xattrs-include=user.*", "--format=posix", "-C", src.toString(), "-cf", tarFile.toString(), "f")
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        unpack(Files.readAllBytes(tarFile), LayerUnpack.Limits.DEFAULT);
        assertArrayEquals(value, Xattrs.get(layer.resolve("f"), "user.binary"));
        Files.delete(tarFile);
        Files.delete(src.resolve("f"));
        Files.delete(src);
    }

    @Test
    void whiteoutsBecomeOverlayfsWhiteoutsAndOpaqueDirectories() throws Exception {
        unpack(new TestImages.Tar().dir("etc").file("etc/.wh.gone", "", e -> e.setModTime(new java.util.Date(1_000_000_000_000L)))
                .dir("srv").file("srv/.wh..wh..opq", "").file("srv/new", "n"));
        Node gone = Node.stat(layer.resolve("etc/gone")).orElseThrow();
        assertTrue(gone.isWhiteout(), "a character device 0/0");
        assertEquals(1_000_000_000L, Files.getLastModifiedTime(layer.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond(),
                "the whiteout has its entry's time, as every other entry (a layer unpacked twice is the same)");
        assertFalse(Files.exists(layer.resolve("etc/.wh.gone"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("y", Node.stat(layer.resolve("srv")).orElseThrow().overlayMark("opaque").orElseThrow());
        assertFalse(Files.exists(layer.resolve("srv/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("n", Files.readString(layer.resolve("srv/new")));
    }

    @Test
    void aLaterEntryReplacesAnEarlierOne() throws Exception {
        unpack(new TestImages.Tar().file("a", "first").file("a", "second"));
        assertEquals("second", Files.readString(layer.resolve("a")));
    }

    private void refused(TestImages.Tar t, String why) throws Exception {
        refused(t.bytes(), LayerUnpack.Limits.DEFAULT, why);
    }

    private void refused(byte[] tar, LayerUnpack.Limits limits, String why) throws Exception {
        List<String> before = outsideTheLayer();
        LayerUnpack.Refused e = assertThrows(LayerUnpack.Refused.class, () -> unpack(tar, limits));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertEquals(before, outsideTheLayer(), "nothing written outside the layer");
    }

    /** Every path below tmp but the layer's, with its size and modification time. */
    private List<String> outsideTheLayer() throws Exception {
        try (var s = Files.walk(tmp)) {
            return s.filter(p -> !p.startsWith(layer)).map(p -> {
                try {
                    return p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            }).sorted().toList();
        }
    }

    @Test
    void refusesPathTraversal() throws Exception {
        refused(new TestImages.Tar().file("../outside/evil", "x"), "a path with ..");
        refused(new TestImages.Tar().file("etc/../../outside/evil", "x"), "a path with ..");
    }

    @Test
    void refusesAbsolutePaths() throws Exception {
        refused(new TestImages.Tar().absolute(outside.resolve("evil").toString(), "x"), "an absolute path");
    }

    @Test
    void refusesAnEntryBelowASymlinkTheLayerPlanted() throws Exception {
        refused(new TestImages.Tar().symlink("planted", outside.toString()).file("planted/evil", "x"), "lies below the symlink planted");
        refused(new TestImages.Tar().symlink("up", "..").file("up/outside/evil", "x"), "lies below the symlink up");
    }

    @Test
    void refusesHardLinksOutOfTheLayerOrToDirectories() throws Exception {
        Files.writeString(outside.resolve("secret"), "s");
        try {
            refused(new TestImages.Tar().hardlink("stolen", "../outside/secret"), "a path with ..");
            refused(new TestImages.Tar().symlink("planted", outside.toString()).hardlink("stolen", "planted/secret"), "lies below the symlink planted");
            refused(new TestImages.Tar().dir("d").hardlink("stolen", "d"), "a hard link to a directory");
        } finally {
            Files.delete(outside.resolve("secret"));
        }
    }

    @Test
    void refusesDeviceNodes() throws Exception {
        refused(new TestImages.Tar().device("dev/mem", TarArchiveEntry.LF_CHR, 1, 1), "a device node (1,1)");
        refused(new TestImages.Tar().device("dev/sda", TarArchiveEntry.LF_BLK, 8, 0), "a device node (8,0)");
    }

    @Test
    void takesACharacterDevice00AsTheWhiteoutItIs() throws Exception {
        unpack(new TestImages.Tar().device("gone", TarArchiveEntry.LF_CHR, 0, 0));
        assertTrue(Node.stat(layer.resolve("gone")).orElseThrow().isWhiteout());
    }

    @Test
    void refusesOverlayfsOwnAttributes() throws Exception {
        refused(new TestImages.Tar().dir("d").file("d/f", "x", e -> e.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/etc")),
                "sets overlayfs' own attribute trusted.overlay.redirect");
    }

    @Test
    void refusesALayerBeyondItsCaps() throws Exception {
        refused(new TestImages.Tar().file("a", "1").file("b", "2").file("c", "3").bytes(), new LayerUnpack.Limits(1 << 20, 2), "more than 2 entries");
        // A bomb: the header claims far more than the cap; nothing of it is written.
        refused(new TestImages.Tar().claims("bomb", 1L << 40).raw(), new LayerUnpack.Limits(1 << 20, 100), "more than 1.0M of files");
        refused(new TestImages.Tar().file("a", "x".repeat(4096)).bytes(), new LayerUnpack.Limits(1000, 100), "more than");
    }
}
