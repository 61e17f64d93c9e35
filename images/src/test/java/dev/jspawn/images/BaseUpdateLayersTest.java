package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.SearchPath;

/**
 * base update of a stack: the command's changes become one new layer on top (here the command is played by writing
 * into the overlay's upper dir, which is what the kernel does with what the command writes), the old version keeps
 * its layers, a failure leaves nothing, and past the depth limit the new version is squashed into one layer.
 */
class BaseUpdateLayersTest {

    @TempDir
    Path tmp;
    Path root, locks;
    final List<List<String>> ran = new ArrayList<>();
    int status;
    String writes = "etc/motd";

    @BeforeEach
    void pulled() throws Exception {
        root = Files.createDirectory(tmp.resolve("images"));
        locks = Files.createDirectory(tmp.resolve("locks"));
        TestImages.Blob os = TestImages.Blob.of(new TestImages.Tar().dir("etc").file("etc/os-release", "ID=test\n").bytes());
        Path layout = tmp.resolve("layout");
        TestImages.layout(layout, List.of(os), "");
        try (var l = Locks.base(locks, root, "web", true, Locks.Policy.quietlyBlocking())) {
            new BasePull(root, locks, Locks.Policy.quietlyBlocking(), null, new PrintWriter(new StringWriter()), LayerUnpack.Limits.DEFAULT)
                    .fromLayout("web", layout);
        }
    }

    /** The runner: the update's overlay as the kernel would fill its upper dir; a squash's copy as cp would make it. */
    final BaseTools tools = new BaseTools() {
        @Override
        public int run(List<String> command) {
            ran.add(command);
            try {
                String options = command.get(command.indexOf("sh") + 4);
                if (options.startsWith("ro,")) { // the squash: the merged tree copied into the new layer
                    Path into = Path.of(command.get(command.size() - 1));
                    List<String> lowers = List.of(options.substring("ro,lowerdir=".length()).split(":"));
                    for (int i = lowers.size() - 1; i >= 0; i--) copy(Path.of(lowers.get(i)), into);
                    return 0;
                }
                String upper = options.replaceAll(".*upperdir=([^,]*),.*", "$1");
                Path f = Path.of(upper).resolve(writes);
                Files.createDirectories(f.getParent());
                Files.writeString(f, "changed by " + ran.size() + "\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return status;
        }

        private void copy(Path from, Path to) throws IOException {
            try (var s = Files.walk(from)) {
                for (Path p : s.toList()) {
                    Path t = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(t);
                    else Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }

        @Override
        public int run(List<String> command, String input) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int copy(List<String> cp, Path source, Path target) {
            assertTrue(cp.get(cp.indexOf("sh") + 4).startsWith("ro,"), "only a squash copies, and it copies the merged tree: " + cp);
            return run(cp);
        }

        @Override
        public void blankIdentity(Path root) {
        }
    };

    BaseUpdate update() {
        return new BaseUpdate(root, new SearchPath(List.of(tmp.resolve("etc"))), locks, Locks.Policy.quietlyBlocking(), tools,
                new PrintWriter(new StringWriter()));
    }

    @Test
    void theChangeIsOneNewLayerAndTheOldVersionKeepsItsOwn() throws Exception {
        BaseStore store = new BaseStore(root);
        Path v1 = store.current("web").orElseThrow();
        BaseStore.Version v2 = update().run("web", List.of("sh", "-c", "echo changed > /etc/motd"));
        assertEquals(2, v2.number());
        List<String> ids = Layers.ids(v2.dir());
        assertEquals(2, ids.size());
        assertEquals(Layers.ids(v1), ids.subList(0, 1), "the new version stacks the old one's layers");
        assertTrue(ids.get(1).startsWith("local-"), ids.toString());
        assertEquals("changed by 1\n", Files.readString(BaseProbes.find(v2.dir(), Path.of("etc/motd")).orElseThrow()));
        assertTrue(BaseProbes.find(v1, Path.of("etc/motd")).isEmpty(), "v1 is untouched");
        assertTrue(BaseProbes.find(v2.dir(), Path.of("etc/os-release")).isPresent());
        assertTrue(Sizes.of(Layers.dir(root, ids.get(1))) < 100, "the new layer holds only the change");
        String options = ran.get(0).get(ran.get(0).indexOf("sh") + 4);
        assertTrue(options.startsWith("lowerdir=" + Layers.dir(root, ids.get(0)) + ",upperdir="), options);
        assertTrue(options.endsWith(",redirect_dir=off,metacopy=off,index=off"), options);
        assertEquals(OciImage.storedConfigDigest(v1), OciImage.storedConfigDigest(v2.dir()), "the image's config, and so its command, goes on");
    }

    @Test
    void aFailedCommandLeavesNothing() throws Exception {
        status = 3;
        BaseFailure e = assertThrows(BaseFailure.class, () -> update().run("web", List.of("false")));
        assertTrue(e.getMessage().contains("failed (exit status 3); the base is unchanged"), e.getMessage());
        assertEquals(1, new BaseStore(root).versions("web").size());
        assertEquals(1, Layers.stored(root).size());
        try (var s = Files.list(new BaseStore(root).store("web"))) {
            assertEquals(List.of("v1"), s.map(p -> p.getFileName().toString()).toList(), "no partial version, layer, work or mount dir left");
        }
    }

    @Test
    void pastTheDepthLimitTheNewVersionIsOneLayer() throws Exception {
        BaseStore.Version v = null;
        for (int i = 1; i < BaseUpdate.SQUASH_AT; i++) v = update().run("web", List.of("true"));
        assertEquals(BaseUpdate.SQUASH_AT, Layers.ids(v.dir()).size());
        writes = "srv/new";
        BaseStore.Version squashed = update().run("web", List.of("true"));
        assertEquals(1, Layers.ids(squashed.dir()).size(), "squashed");
        assertTrue(BaseProbes.find(squashed.dir(), Path.of("etc/os-release")).isPresent());
        assertEquals("changed by " + (BaseUpdate.SQUASH_AT - 1) + "\n", Files.readString(BaseProbes.find(squashed.dir(), Path.of("etc/motd")).orElseThrow()));
        assertTrue(BaseProbes.find(squashed.dir(), Path.of("srv/new")).isPresent());
        assertEquals(BaseUpdate.SQUASH_AT, Layers.ids(v.dir()).size(), "the older version keeps its stack");
    }

    @Test
    void aBaseThatIsOneTreeBecomesTheBottomOfTheNewVersionAndGcKeepsIt() throws Exception {
        Path tree = Files.createDirectories(root.resolve("debian/etc"));
        Files.writeString(tree.resolve("os-release"), "ID=debian\n");
        BaseStore store = new BaseStore(root);
        BaseStore.Version v2 = update().run("debian", List.of("true"));
        assertEquals("v1", Layers.ids(v2.dir()).get(0), "the adopted tree, not a copy of it");
        assertEquals(store.store("debian").resolve("v1").toRealPath(), Layers.of(v2.dir()).get(1));
        assertEquals("ID=debian\n", Files.readString(BaseProbes.find(v2.dir(), Path.of("etc/os-release")).orElseThrow()));
        assertEquals("changed by 1\n", Files.readString(BaseProbes.find(v2.dir(), Path.of("etc/motd")).orElseThrow()));
        List<BaseGc.Verdict> verdicts = new BaseGc(root).collect("debian", java.util.Map.of());
        assertEquals(java.util.Optional.of("the bottom layer of v2"), verdicts.get(0).kept());
        assertEquals(Layers.size(store.store("debian").resolve("v1")) + Sizes.of(Layers.of(v2.dir()).get(0)), Layers.size(v2.dir()));
    }
}
