package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A version written as an image: its layers' tars say exactly what the layers hold, and the same version gives the same bytes. */
class BasePushTest {

    @TempDir
    Path tmp;

    /** Every entry below {@code root}: type, owner, mode, link count, own attributes and content or target. */
    static TreeMap<String, String> describe(Path root) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Node n = Node.stat(p).orElseThrow();
                StringBuilder b = new StringBuilder(n.type() + " " + n.uid() + ":" + n.gid() + " " + Integer.toOctalString(n.mode()) + " " + n.nlink());
                n.xattrs().forEach((k, v) -> b.append(" ").append(k).append("=").append(java.util.HexFormat.of().formatHex(v)));
                if (n.type() == Node.Type.FILE) b.append(" ").append(Files.readString(p));
                if (n.type() == Node.Type.SYMLINK) b.append(" -> ").append(Files.readSymbolicLink(p));
                if (n.type() == Node.Type.CHAR) b.append(" ").append(n.rdev());
                if (n.type() != Node.Type.SYMLINK) b.append(" ").append(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000);
                out.put(root.relativize(p).toString(), b.toString());
            }
        }
        return out;
    }

    @Test
    void aLayerWrittenAndUnpackedAgainIsTheSameAndTheSameBytesEachTime() throws Exception {
        Path layer = Files.createDirectory(tmp.resolve("layer"));
        String longName = "usr/share/" + "d".repeat(120) + "/f\u00e9";
        LayerUnpack.unpack(new ByteArrayInputStream(new TestImages.Tar().dir("etc").file("etc/motd", "hi\n", e -> {
            e.setIds(1000, 1001);
            e.setMode(0104750);
        }).hardlink("etc/again", "etc/motd").symlink("etc/link", "/" + "x".repeat(150)).file("etc/.wh.gone", "").dir("srv")
                .file("srv/.wh..wh..opq", "").file("srv/new", "n").device("fifo", TarArchiveEntry.LF_FIFO, 0, 0).file(longName, "long").bytes()),
                layer, LayerUnpack.Limits.DEFAULT);
        byte[] acl = { 2, 0, 0, 0, 1, 0, 7, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff };
        Xattrs.set(layer.resolve("srv/new"), "user.binary", acl);

        ByteArrayOutputStream first = new ByteArrayOutputStream(), second = new ByteArrayOutputStream();
        assertEquals(0, LayerTar.write(layer, first));
        LayerTar.write(layer, second);
        assertArrayEquals(first.toByteArray(), second.toByteArray(), "the same layer, the same bytes");

        Path again = Files.createDirectory(tmp.resolve("again"));
        LayerUnpack.unpack(new ByteArrayInputStream(first.toByteArray()), again, LayerUnpack.Limits.DEFAULT);
        TreeMap<String, String> want = describe(layer), got = describe(again);
        want.remove(""); // the layer's root is the directory the unpacking made
        got.remove("");
        assertEquals(want, got);
        assertTrue(got.get("etc/gone").startsWith("CHAR 0:0"), "a whiteout again");
        assertTrue(got.get("srv").contains("trusted.overlay.opaque=79"), "opaque again");
        assertArrayEquals(acl, Xattrs.get(again.resolve("srv/new"), "user.binary"), "binary attributes byte for byte");
    }

    @Test
    void theSameVersionPushedTwiceIsTheSameImageAndPullsAsIt() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("images")), locks = Files.createDirectory(tmp.resolve("locks"));
        Path tree = Files.createDirectories(root.resolve("debian/etc"));
        Files.writeString(tree.resolve("os-release"), "ID=debian\n");
        new BaseStore(root).adopt("debian");
        Path version = new BaseStore(root).current("debian").orElseThrow();
        PrintWriter quiet = new PrintWriter(new StringWriter());
        BasePush push = new BasePush(root, locks, Locks.Policy.quietlyBlocking(), null, quiet);
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        Files.createDirectories(a.resolve("blobs/sha256"));
        Files.createDirectories(b.resolve("blobs/sha256"));
        BasePush.Result one = push.layout(version, a), two = push.layout(version, b);
        assertEquals(one.manifestDigest(), two.manifestDigest(), "the same version, the same manifest digest");
        assertEquals(Files.readString(a.resolve("index.json")), Files.readString(b.resolve("index.json")));

        try (var l = Locks.base(locks, root, "copy", true, Locks.Policy.quietlyBlocking())) {
            BasePull.Result pulled = new BasePull(root, locks, Locks.Policy.quietlyBlocking(), null, quiet, LayerUnpack.Limits.DEFAULT).fromLayout("copy", a);
            assertEquals(one.configDigest(), pulled.image().configDigest());
            assertEquals(OciImage.storedConfigDigest(pulled.current().dir()).orElseThrow(), one.configDigest(), "versions --json shows it as the image");
            assertEquals("ID=debian\n", Files.readString(BaseProbes.find(pulled.current().dir(), Path.of("etc/os-release")).orElseThrow()));
        }
    }
}
