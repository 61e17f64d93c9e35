package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulled images as stacks of layers stored once; changed images make versions, unchanged ones nothing; bad ones nothing at all. */
class BasePullTest {

    @TempDir
    Path tmp;
    Path root, locks;
    StringWriter said = new StringWriter();
    TestImages.Blob os, web;

    @BeforeEach
    void images() throws Exception {
        root = Files.createDirectory(tmp.resolve("images"));
        locks = Files.createDirectory(tmp.resolve("locks"));
        os = TestImages.Blob.of(new TestImages.Tar().dir("etc").file("etc/os-release", "ID=test\n").file("etc/remove-me", "old\n")
                .dir("srv").file("srv/old", "old\n").bytes());
        web = TestImages.Blob.of(new TestImages.Tar().dir("etc").file("etc/added", "new\n").file("etc/.wh.remove-me", "")
                .dir("srv").file("srv/.wh..wh..opq", "").file("srv/index.html", "hi\n").bytes());
    }

    private BasePull pull() {
        return new BasePull(root, locks, Locks.Policy.quietlyBlocking(), null, new PrintWriter(said), LayerUnpack.Limits.DEFAULT);
    }

    private BasePull.Result pull(String name, List<TestImages.Blob> layers, String cmd) throws Exception {
        Path layout = tmp.resolve("layout-" + name + "-" + System.nanoTime());
        TestImages.layout(layout, layers, cmd);
        try (var l = Locks.base(locks, root, name, true, Locks.Policy.quietlyBlocking())) {
            return pull().fromLayout(name, layout);
        }
    }

    @Test
    void twoImagesShareTheirCommonLayerAndEachSeesExactlyItsOwn() throws Exception {
        BasePull.Result a = pull("debian", List.of(os), "\"Cmd\":[\"/bin/sh\"]");
        BasePull.Result b = pull("web", List.of(os, web), "\"Cmd\":[\"/usr/sbin/httpd\",\"-f\"]");
        assertEquals(1, a.layersUnpacked());
        assertEquals(1, b.layersUnpacked(), "the shared layer is not unpacked again");
        assertEquals(2, Layers.stored(root).size(), "each layer stored once");
        assertEquals(List.of("/usr/sbin/httpd", "-f"), b.image().run().cmd());

        BaseStore store = new BaseStore(root);
        Path webVersion = store.current("web").orElseThrow();
        assertEquals(List.of(Layers.dir(root, web.diffId().replace(':', '-')), Layers.dir(root, os.diffId().replace(':', '-'))),
                Layers.of(store.link("web")), "topmost first, through the current link");
        assertTrue(BaseProbes.find(webVersion, Path.of("etc/added")).isPresent());
        assertEquals(Optional.empty(), BaseProbes.find(webVersion, Path.of("etc/remove-me")), "hidden by the whiteout");
        assertEquals(Optional.empty(), BaseProbes.find(webVersion, Path.of("srv/old")), "hidden by the opaque directory");
        assertTrue(BaseProbes.find(webVersion, Path.of("etc/os-release")).isPresent(), "from the layer below");
        assertTrue(BaseProbes.find(store.current("debian").orElseThrow(), Path.of("etc/remove-me")).isPresent(), "the other image keeps it");
    }

    @Test
    void theSameImageAgainMakesNoVersionAChangedOneMakesOne() throws Exception {
        BasePull.Result first = pull("web", List.of(os), "");
        BasePull.Result again = pull("web", List.of(os), "");
        assertTrue(again.made().isEmpty());
        assertEquals(first.current().number(), again.current().number());
        BasePull.Result changed = pull("web", List.of(os, web), "");
        assertEquals(first.current().number() + 1, changed.made().orElseThrow().number());
        assertEquals(2, new BaseStore(root).versions("web").size());
    }

    @Test
    void aLayerWhoseDigestIsWrongLeavesNothingAndTheCurrentVersionStays() throws Exception {
        pull("web", List.of(os), "");
        byte[] evil = TestImages.gzip(new TestImages.Tar().file("etc/evil", "x").bytes());
        TestImages.Blob lying = new TestImages.Blob(evil, web.digest(), web.diffId()); // a blob that is not what the manifest says
        BaseFailure e = assertThrows(BaseFailure.class, () -> pull("web", List.of(os, lying), ""));
        assertTrue(e.getMessage().contains("digest"), e.getMessage());
        assertEquals(List.of(os.diffId().replace(':', '-')), Layers.stored(root));
        try (var s = Files.list(Layers.store(root))) {
            assertEquals(1, s.count(), "no partial layer left: " + Layers.stored(root));
        }
        assertEquals(1, new BaseStore(root).versions("web").size());
        assertFalse(Files.exists(new BaseStore(root).store("web").resolve("v2.partial")));
    }

    @Test
    void aHostileLayerIsRefusedAndOtherBasesAreUnaffected() throws Exception {
        pull("debian", List.of(os), "");
        TestImages.Blob hostile = TestImages.Blob.of(new TestImages.Tar().symlink("etc", "/etc").file("etc/passwd", "root::0:0::/:/bin/sh\n").bytes());
        BaseFailure e = assertThrows(BaseFailure.class, () -> pull("evil", List.of(os, hostile), ""));
        assertTrue(e.getMessage().contains("lies below the symlink etc"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing of it was kept"), e.getMessage());
        assertEquals(1, Layers.stored(root).size());
        assertFalse(new BaseStore(root).exists("evil"));
        assertTrue(BaseProbes.find(new BaseStore(root).current("debian").orElseThrow(), Path.of("etc/os-release")).isPresent());
    }

    @Test
    void gcRemovesTheLayersNoVersionStacksAndKeepsSharedOnes() throws Exception {
        pull("debian", List.of(os), "");
        pull("web", List.of(os, web), "");
        Files.createDirectory(Layers.store(root).resolve(os.diffId().replace(':', '-').substring(0, 10) + "x.partial")); // not an id: left alone
        Path stale = Files.createDirectory(Layers.dir(root, "sha256-" + "0".repeat(64)).resolveSibling("sha256-" + "0".repeat(64) + ".partial"));
        new BaseRemoval(root).delete("web");
        List<BaseGc.RemovedLayer> removed = BaseGc.removeUnusedLayers(root, locks, Locks.Policy.quietlyBlocking());
        assertEquals(List.of(web.diffId().replace(':', '-')), removed.stream().map(BaseGc.RemovedLayer::id).toList());
        assertEquals(List.of(os.diffId().replace(':', '-')), Layers.stored(root), "debian still stacks the shared layer");
        assertFalse(Files.exists(stale), "a partial layer left by a pull that died goes too");
        assertTrue(BaseProbes.find(new BaseStore(root).current("debian").orElseThrow(), Path.of("etc/os-release")).isPresent());
    }

    @Test
    void anImageSettingsFileHoldsItsCommandQuotedAndRefusesWhatCouldAddALine() throws Exception {
        OciImage.RunConfig run = new OciImage.RunConfig(List.of("/bin/sh", "-c"), List.of("echo $GREETING > out; exec sleep infinity"),
                List.of("GREETING=hello world", "PATH=/usr/bin:/bin"), "/srv", "1000:1000");
        assertEquals(ImageCommand.HEADER + " from the image config of base app v1\n[Exec]\nBoot=no\n"
                + "Parameters=\"/bin/sh\" \"-c\" \"echo $GREETING > out; exec sleep infinity\"\n"
                + "Environment=\"GREETING=hello world\"\nEnvironment=\"PATH=/usr/bin:/bin\"\nWorkingDirectory=/srv\nUser=1000\n",
                ImageCommand.settings(run, "app v1"));
        for (OciImage.RunConfig bad : List.of(
                new OciImage.RunConfig(List.of(), List.of("/bin/sh\nBind=/:/host"), List.of(), "", ""),
                new OciImage.RunConfig(List.of(), List.of("/bin/sh"), List.of("X=\"\nBind=/:/host"), "", ""),
                new OciImage.RunConfig(List.of(), List.of("/bin/sh"), List.of("NOT A NAME=1"), "", ""),
                new OciImage.RunConfig(List.of(), List.of("/bin/sh"), List.of(), "srv", ""),
                new OciImage.RunConfig(List.of(), List.of("a\\"), List.of(), "", ""),
                new OciImage.RunConfig(List.of(), List.of("/bin/sh"), List.of(), "", "root\nBind=/"),
                new OciImage.RunConfig(List.of(), List.of(), List.of(), "", ""))) {
            assertThrows(ImageCommand.Invalid.class, () -> ImageCommand.settings(bad, "app v1"), bad.toString());
        }
    }

    @Test
    void theHelperWritesTheImagesCommandOrSaysWhyNot() throws Exception {
        pull("app", List.of(os), "\"Cmd\":[\"/bin/true\"]");
        Path run = Files.createDirectory(tmp.resolve("run"));
        ImageCommand.write(run, "app", new BaseStore(root).current("app").orElseThrow());
        assertTrue(Files.readString(run.resolve(ImageCommand.FILE)).contains("\nParameters=\"/bin/true\"\n"));
        Path tree = Files.createDirectories(root.resolve("plain/etc"));
        ImageCommand.write(run, "plain", tree.getParent());
        assertFalse(Files.exists(run.resolve(ImageCommand.FILE)), "the last one's is gone");
        assertTrue(Files.readString(run.resolve(ImageCommand.ERROR)).contains("is no pulled image"));
    }

    @Test
    void anImageUpdatedHereIsNotTheImageAPullSeesAgain() throws Exception {
        BasePull.Result first = pull("web", List.of(os), "");
        // What base update makes of it: v2 stacks a layer of its own on the image's, beside the image's config.
        Path v2 = new BaseStore(root).store("web").resolve("v2");
        Files.createDirectories(Layers.store(root).resolve("local-" + "1".repeat(32)));
        Layers.writeStack(v2, List.of(os.diffId().replace(':', '-'), "local-" + "1".repeat(32)));
        Files.copy(first.current().dir().resolve(OciImage.CONFIG_FILE), v2.resolve(OciImage.CONFIG_FILE));
        Files.delete(root.resolve("web"));
        Files.createSymbolicLink(root.resolve("web"), Path.of(".jspawn/bases/web/v2"));
        BasePull.Result again = pull("web", List.of(os), "");
        assertEquals(3, again.made().orElseThrow().number(), "v2 has a layer of its own: the image is pulled as v3");
    }
}
