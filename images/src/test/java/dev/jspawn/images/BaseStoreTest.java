package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseStoreTest {

    @TempDir
    Path root;

    BaseStore store;
    BaseProbes probes;
    BaseGc gc;
    BaseRemoval removal;

    @BeforeEach
    void setUp() throws IOException {
        store = new BaseStore(root);
        probes = new BaseProbes(root);
        gc = new BaseGc(root);
        removal = new BaseRemoval(root);
        Files.createDirectories(root.resolve("default-ns-1/etc"));
        Files.writeString(root.resolve("default-ns-1/etc/os-release"), "ID=debian\n");
    }

    Path newVersion(String text) throws IOException {
        Path partial = store.prepare("default-ns-1");
        Files.createDirectories(partial.resolve("etc"));
        Files.writeString(partial.resolve("etc/os-release"), text);
        return partial;
    }

    @Test
    void aPlainDirectoryIsAdoptedAsV1WithoutTouchingItsContents() throws IOException {
        Object inode = Files.getAttribute(root.resolve("default-ns-1/etc/os-release"), "unix:ino");
        store.adopt("default-ns-1");
        assertTrue(Files.isSymbolicLink(root.resolve("default-ns-1")));
        assertEquals(Path.of(".jspawn/bases/default-ns-1/v1"), Files.readSymbolicLink(root.resolve("default-ns-1")));
        assertEquals(inode, Files.getAttribute(root.resolve("default-ns-1/etc/os-release"), "unix:ino"), "renamed, not copied");
        store.adopt("default-ns-1");
        assertEquals(List.of(1), store.versions("default-ns-1").stream().map(BaseStore.Version::number).toList());
    }

    @Test
    void anAdoptionCutShortIsFinishedByTheNextOne() throws IOException {
        Files.createDirectories(store.store("default-ns-1"));
        Files.move(root.resolve("default-ns-1"), store.store("default-ns-1").resolve("v1"));
        store.adopt("default-ns-1");
        assertEquals("ID=debian\n", Files.readString(root.resolve("default-ns-1/etc/os-release")));
    }

    @Test
    void commitSwitchesTheLinkAndRollbackSwitchesItBack() throws IOException {
        store.adopt("default-ns-1");
        BaseStore.Version v2 = store.commit("default-ns-1", newVersion("ID=debian\nVERSION=2\n"));
        assertEquals(2, v2.number());
        assertEquals("ID=debian\nVERSION=2\n", Files.readString(root.resolve("default-ns-1/etc/os-release")));
        assertEquals(List.of("v1", "v2*"), store.versions("default-ns-1").stream().map(v -> v.label() + (v.current() ? "*" : "")).toList());
        store.rollback("default-ns-1");
        assertEquals("ID=debian\n", Files.readString(root.resolve("default-ns-1/etc/os-release")));
        IOException e = assertThrows(IOException.class, () -> store.rollback("default-ns-1"));
        assertEquals("base default-ns-1 has no version before v1", e.getMessage());
    }

    @Test
    void anInterruptedPrepareIsDiscardedAndNeverCurrent() throws IOException {
        store.adopt("default-ns-1");
        Path partial = newVersion("half");
        assertEquals(List.of(1), store.versions("default-ns-1").stream().map(BaseStore.Version::number).toList());
        assertEquals(partial, store.prepare("default-ns-1"));
        assertFalse(Files.exists(partial), "the leftover was cleared");
    }

    @Test
    void usedByTellsTheVersionAMountedChildSeesAndGcKeepsIt() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        // A child mounted while v1 was current: what it sees of os-release is v1's inode (as overlayfs reports a lower file).
        Path where = Files.createDirectories(root.resolve("child/etc")).getParent();
        Files.createLink(where.resolve("etc/os-release"), store.store("default-ns-1").resolve("v1/etc/os-release"));
        Path upper = Files.createDirectories(root.resolve("child_up"));
        assertEquals(Set.of(1), probes.usedBy("default-ns-1", where, upper));
        BaseStore.Version v1 = store.versions("default-ns-1").get(0);
        assertFalse(gc.remove("default-ns-1", v1, Set.of(1)));
        assertTrue(Files.isDirectory(v1.dir()));
        // Copied up: the probe tells nothing, so every version counts as used.
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/os-release"), "mine");
        assertEquals(Set.of(1, 2), probes.usedBy("default-ns-1", where, upper));
        assertTrue(gc.remove("default-ns-1", v1, Set.of()));
        assertFalse(Files.exists(v1.dir()));
        assertFalse(gc.remove("default-ns-1", store.versions("default-ns-1").get(0), Set.of()), "never the current one");
    }

    List<String> labels() throws IOException {
        return store.versions("default-ns-1").stream().map(v -> v.label() + (v.current() ? "*" : "")).toList();
    }

    @Test
    void aCurrentLinkToAVersionThatIsGoneIsMissingAndGcKeepsEveryVersion() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        Trees.deleteTree(store.store("default-ns-1").resolve("v2")); // by hand: the link now dangles
        assertEquals(Optional.empty(), store.current("default-ns-1"), "a link to nothing names no current version");
        assertEquals(List.of("v1"), labels(), "v1 is there, and not current");
        assertTrue(store.exists("default-ns-1"));
        String reason = "default-ns-1's current version v2 is missing; make v1 current with 'jspawn base rollback default-ns-1'";
        assertEquals(reason, store.missing("default-ns-1").orElseThrow().reason());
        List<BaseGc.Verdict> verdicts = gc.collect("default-ns-1", Map.of());
        assertEquals(1, verdicts.size());
        assertEquals(Optional.of(reason), verdicts.get(0).kept(), "the last version, and the only one left to make current");
        BaseStore.Version v1 = store.versions("default-ns-1").get(0);
        assertFalse(gc.remove("default-ns-1", v1, Set.of()));
        assertTrue(Files.isDirectory(v1.dir()));
    }

    @Test
    void withTheCurrentLinkGoneGcKeepsEveryVersionToo() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        Files.delete(root.resolve("default-ns-1"));
        String reason = "default-ns-1's current link " + root.resolve("default-ns-1")
                + " is missing; make v2 current with 'jspawn base rollback default-ns-1'";
        assertEquals(reason, store.missing("default-ns-1").orElseThrow().reason());
        assertEquals(List.of(Optional.of(reason), Optional.of(reason)),
                gc.collect("default-ns-1", Map.of()).stream().map(BaseGc.Verdict::kept).toList());
    }

    @Test
    void gcLetsGoOnlyAVersionThatIsNeitherCurrentNorUsed() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        store.commit("default-ns-1", newVersion("v3"));
        assertEquals(Optional.empty(), store.missing("default-ns-1"));
        assertEquals(List.of(Optional.of("used by web, the overlay at /srv/x"), Optional.empty(), Optional.of("current")),
                gc.collect("default-ns-1", Map.of(1, List.of("web", "the overlay at /srv/x"))).stream().map(BaseGc.Verdict::kept).toList());
    }

    @Test
    void rollbackFromAMissingVersionTakesTheNewestBelowItElseTheNewestThereIs() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        store.commit("default-ns-1", newVersion("v3"));
        store.rollback("default-ns-1");
        Trees.deleteTree(store.store("default-ns-1").resolve("v2")); // current, deleted by hand
        assertEquals(List.of("v1", "v3"), labels());
        assertEquals(1, store.rollback("default-ns-1").number(), "below the missing v2");
        assertEquals(List.of("v1*", "v3"), labels());
        Files.move(store.store("default-ns-1").resolve("v1"), store.store("default-ns-1").resolve("old"));
        assertEquals(3, store.rollback("default-ns-1").number(), "none below it: the newest there is");
        assertEquals(List.of("v3*"), labels());
    }

    @Test
    void deleteTakesEveryVersionAndTheLinkAndNeverFollowsASymlink() throws IOException {
        store.adopt("default-ns-1");
        store.commit("default-ns-1", newVersion("v2"));
        Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "mine");
        Files.createSymbolicLink(store.store("default-ns-1").resolve("v1/srv"), outside);
        Files.createSymbolicLink(store.store("default-ns-1").resolve("v3"), outside); // not a version: a link, removed as one
        removal.delete("default-ns-1");
        assertFalse(Files.exists(root.resolve("default-ns-1"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(store.store("default-ns-1")));
        assertFalse(Files.exists(removal.removing("default-ns-1")));
        assertFalse(store.exists("default-ns-1"));
        assertEquals("mine", Files.readString(outside.resolve("keep")));
    }
}
