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
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;

/**
 * The rollout's order of steps, its rollback and its rerun after being cut short, with systemd's part (stop,
 * start, health) played by a recorder. Against the real systemd, nspawn and guests: RolloutIT in tests/.
 */
class RolloutTest {

    @TempDir
    Path tmp;
    Path root, locks, etc;
    final StringWriter said = new StringWriter();

    /** Who was stopped, started and waited for, in order; which children are unhealthy; where a "kill" strikes. */
    final List<String> calls = new ArrayList<>();
    Set<String> unhealthy = Set.of();
    String dieAt = "", dieAfter = "";

    final Rollout.Children children = new Rollout.Children() {
        @Override
        public <T> T offline(ContainerConfig c, Consumer<String> stopping, Rollout.Action<T> action) throws IOException {
            calls.add("offline " + c.name());
            if (dieAt.equals("offline " + c.name()) && (dieAfter.isEmpty() || calls.contains(dieAfter))) throw new Killed();
            stopping.accept("active");
            return action.run();
        }

        @Override
        public boolean start(ContainerConfig c) {
            calls.add("start " + c.name());
            if (dieAt.equals("start " + c.name()) && (dieAfter.isEmpty() || calls.contains(dieAfter))) throw new Killed();
            return true;
        }

        @Override
        public Optional<String> healthy(ContainerConfig c) {
            calls.add("healthy " + c.name());
            return unhealthy.contains(c.name()) ? Optional.of("its check failed 3 times in a row") : Optional.empty();
        }
    };

    /** A SIGKILL of jspawn, as far as the rollout's record can tell: it stops there. */
    static final class Killed extends Error {
        private static final long serialVersionUID = 1L;
    }

    /** What CMD writes into etc/motd of its layer (as the kernel would copy it up), or null for nothing; and what skopeo inspect says. */
    String writes = "new\n";
    byte[] remoteConfig = "{}".getBytes();

    /** The update: what CMD "writes" is etc/motd, "new", in its layer. */
    final BaseTools tools = new BaseTools() {
        @Override
        public byte[] output(List<String> command) {
            assertEquals(List.of("skopeo", "inspect", "--config", "--raw", "--tls-verify=false", "--", "docker://r.example/web:1"), command);
            return remoteConfig;
        }

        @Override
        public int run(List<String> command) {
            if (writes == null) return 0;
            String options = command.get(command.indexOf("sh") + 4);
            Path f = Path.of(options.replaceAll(".*upperdir=([^,]*),.*", "$1")).resolve("etc/motd");
            try {
                Files.createDirectories(f.getParent());
                Files.writeString(f, writes);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return 0;
        }

        @Override
        public int run(List<String> command, String input) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int copy(List<String> cp, Path source, Path target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void blankIdentity(Path root) {
        }
    };

    @BeforeEach
    void twoChildren() throws IOException {
        root = Files.createDirectory(tmp.resolve("images"));
        locks = Files.createDirectory(tmp.resolve("locks"));
        etc = Files.createDirectory(tmp.resolve("etc"));
        Files.createDirectories(root.resolve("web/etc"));
        Files.writeString(root.resolve("web/etc/os-release"), "ID=test\n");
        for (String n : List.of("a", "b")) {
            Files.writeString(etc.resolve(n + ".jspawn"), "[Container]\nBase=web\nImageRoot=" + root + "\n");
            // Each child made etc/motd itself, just as the new version will have it; and changed nothing else.
            Files.createDirectories(root.resolve(n + "_up/etc"));
            Files.writeString(root.resolve(n + "_up/etc/motd"), "new\n");
        }
    }

    static final MountTable NO_MOUNTS = new MountTable() {
        @Override
        public List<Overlay> overlays() {
            return List.of();
        }

        @Override
        public List<String> points() {
            return List.of();
        }
    };

    Rollout rollout() {
        SearchPath path = new SearchPath(List.of(etc));
        BaseUpdate update = new BaseUpdate(root, path, locks, Locks.Policy.quietlyBlocking(), tools, new PrintWriter(said));
        return new Rollout(root, new BaseUsers(root, path, NO_MOUNTS), update, children, new PrintWriter(said));
    }

    Rollout.Result run(List<String> cmd) throws IOException {
        return rollout().run("web", cmd, new Rollout.Options(List.of(), 1));
    }

    int current() throws IOException {
        return new BaseStore(root).versions("web").stream().filter(BaseStore.Version::current).findFirst().orElseThrow().number();
    }

    @Test
    void aHealthyRolloutReachesEveryChildThenMakesTheNewVersionCurrent() throws IOException {
        Rollout.Result r = run(List.of("update"));
        assertFalse(r.failed(), r.toString());
        assertEquals(List.of("offline a", "start a", "healthy a", "offline b", "start b", "healthy b"), calls);
        assertEquals(2, current());
        for (String n : List.of("a", "b")) {
            assertFalse(Files.exists(root.resolve(n + "_up/etc/motd")), "pruned against v2, which has it");
            assertFalse(Files.exists(root.resolve(n + "_rollout")), "nothing kept aside once done");
        }
        assertFalse(Files.exists(RolloutState.dir(new BaseStore(root), "web")));
    }

    @Test
    void anUnhealthyChildGoesBackWithItsCopiesAndTheNextIsNotTouched() throws IOException {
        unhealthy = Set.of("a");
        Rollout.Result r = run(List.of("update"));
        assertTrue(r.failed());
        assertEquals(List.of("offline a", "start a", "healthy a", "offline a", "start a"), calls, "b is never stopped");
        assertEquals(1, current(), "the old version stays current");
        assertEquals(2, new BaseStore(root).versions("web").size(), "the new one is kept");
        assertEquals("new\n", Files.readString(root.resolve("a_up/etc/motd")), "its copy is back: v1 has no motd to show");
        assertEquals("new\n", Files.readString(root.resolve("b_up/etc/motd")));
        assertFalse(Files.exists(root.resolve("a_rollout")));
        assertTrue(r.summary().get("a").startsWith("not healthy on v2: its check failed 3 times in a row; back on v1, 1 removed copies restored"),
                r.summary().get("a"));
        assertEquals("not reached: untouched, on v1", r.summary().get("b"));
        assertEquals(Optional.empty(), RolloutState.pinnedVersion(root.resolve("web"), "a"));
    }

    @Test
    void aRolloutCutShortIsFinishedByTheNextRunWithoutRunningCmdAgain() throws IOException {
        dieAt = "start b";
        assertThrows(Killed.class, () -> run(List.of("update")));
        assertEquals(1, current());
        assertEquals(Optional.of(new BaseStore(root).store("web").resolve("v2")), RolloutState.pinnedVersion(root.resolve("web"), "b"),
                "b is on v2 while the rollout is unfinished: its mounts and prunes use it");
        BaseUsers users = new BaseUsers(root, new SearchPath(List.of(etc)), NO_MOUNTS);
        List<String> who = users.usage("web").get(2);
        assertTrue(who.contains("the rollout in progress (jspawn base upgrade web)") && who.contains("a (on it by the rollout)")
                && who.contains("b (on it by the rollout)"), "gc keeps the version a killed rollout rolls out: " + who);
        BaseFailure refused = assertThrows(BaseFailure.class,
                () -> new BaseUpdate(root, new SearchPath(List.of(etc)), locks, Locks.Policy.quietlyBlocking(), tools, new PrintWriter(said)).run("web", List.of("x")));
        assertEquals("a rollout of web from v1 to v2 was cut short; finish it (or roll it back) first: jspawn base upgrade web", refused.getMessage());
        dieAt = "";
        calls.clear();
        Rollout.Result r = rollout().run("web", List.of(), new Rollout.Options(List.of(), 1));
        assertFalse(r.failed(), r.toString());
        assertEquals(List.of("offline b", "start b", "healthy b"), calls, "a was done; b is taken up again");
        assertEquals(2, current());
        assertEquals(2, new BaseStore(root).versions("web").size(), "CMD is not run again");
    }

    @Test
    void aRollbackCutShortIsRolledBackByTheNextRun() throws IOException {
        unhealthy = Set.of("b");
        dieAt = "offline a"; // a is put back last: b failed, b went back, then the kill
        dieAfter = "healthy b";
        assertThrows(Killed.class, () -> run(List.of("update")));
        assertEquals(RolloutState.Phase.BACK, RolloutState.open(new BaseStore(root), "web").orElseThrow().phase());
        dieAt = "";
        Rollout.Result r = run(List.of("update"));
        assertTrue(r.failed());
        assertTrue(r.outcome().startsWith("rolled back: v1 stays current"), r.outcome());
        assertEquals(1, current());
        assertEquals(2, new BaseStore(root).versions("web").size(), "CMD is not run again");
        for (String n : List.of("a", "b")) assertEquals("new\n", Files.readString(root.resolve(n + "_up/etc/motd")));
        assertTrue(said.toString().contains("was cut short; rolling it back"), said.toString());
    }

    @Test
    void aChildPutBackButNotStartedAgainWhenTheRollbackWasCutShortIsStartedByTheNextRun() throws IOException {
        unhealthy = Set.of("a");
        dieAt = "start a"; // its second start: a was put back on v1 (its pin gone), then the kill
        dieAfter = "healthy a";
        assertThrows(Killed.class, () -> run(List.of("update")));
        assertEquals(List.of("offline a", "start a", "healthy a", "offline a", "start a"), calls);
        dieAt = "";
        calls.clear();
        Rollout.Result r = run(List.of("update"));
        assertEquals(List.of("start a"), calls, "a was running before the rollout: it runs again, and b was never touched");
        assertTrue(r.summary().get("a").contains("started again"), r.summary().toString());
        assertTrue(r.outcome().startsWith("rolled back: v1 stays current"), r.outcome());
        assertEquals(1, current());
        assertTrue(RolloutState.open(new BaseStore(root), "web").isEmpty(), "the rollout ended");
    }

    List<AutoUpgrade.Outcome> auto(AutoUpgrade.Puller puller) throws IOException {
        SearchPath path = new SearchPath(List.of(etc));
        BaseUpdate update = new BaseUpdate(root, path, locks, Locks.Policy.quietlyBlocking(), tools, new PrintWriter(said));
        return new AutoUpgrade(root, path, update, puller, rollout(), tools, new PrintWriter(said)).run(List.of(), new Rollout.Options(List.of(), 1));
    }

    @Test
    void anUpdateCommandThatChangesNothingMakesNoVersionAndStopsNoChild() throws IOException {
        Files.writeString(etc.resolve("web.base"), "[Base]\nUpdateCommand=apt-get -y full-upgrade\n");
        Files.writeString(root.resolve("web/etc/motd"), "new\n");
        // What the command writes is what the base has: the same file copied up is no change.
        List<AutoUpgrade.Outcome> o = auto((n, origin) -> fail());
        assertEquals(1, o.size());
        assertFalse(o.get(0).failed(), o.toString());
        assertEquals("had nothing to do: web has no new version", o.get(0).rollout().orElseThrow().outcome());
        assertEquals(List.of(), calls);
        assertEquals(1, new BaseStore(root).versions("web").size());

        Files.writeString(root.resolve("web/etc/motd"), "old\n");
        o = auto((n, origin) -> fail());
        assertEquals("finished: v2 is current, and every child is on it", o.get(0).rollout().orElseThrow().outcome());
        assertEquals(List.of("offline a", "start a", "healthy a", "offline b", "start b", "healthy b"), calls);
    }

    @Test
    void aPulledBaseIsPulledAgainOnlyWhenItsImageChanged() throws IOException {
        BaseStore store = new BaseStore(root);
        store.adopt("web");
        Files.write(store.current("web").orElseThrow().resolve(OciImage.CONFIG_FILE), remoteConfig);
        PullOrigin.of("docker://r.example/web:1", List.of("--src-tls-verify=false", "--src-creds=me:secret")).write(store, "web");
        assertFalse(Files.readString(store.store("web").resolve(PullOrigin.FILE)).contains("secret"), "credentials are not kept");
        List<String> pulled = new ArrayList<>();
        AutoUpgrade.Puller puller = (n, origin) -> {
            pulled.add(n + " " + origin.source());
            Path partial = store.prepare(n);
            Files.createDirectories(partial.resolve("etc"));
            Files.writeString(partial.resolve("etc/os-release"), "ID=test\n");
            Files.writeString(partial.resolve("etc/motd"), "new\n");
            BaseStore.Version v = store.commit(n, partial, false);
            return new BasePull.Result(Optional.of(v), v, null, 1);
        };
        assertEquals("had nothing to do: web has no new version", auto(puller).get(0).rollout().orElseThrow().outcome());
        assertEquals(List.of(), pulled, "the same config: nothing pulled");

        remoteConfig = "{\"changed\":1}".getBytes();
        List<AutoUpgrade.Outcome> o = auto(puller);
        assertEquals(List.of("web docker://r.example/web:1"), pulled);
        assertEquals("finished: v2 is current, and every child is on it", o.get(0).rollout().orElseThrow().outcome());
    }

    static <T> T fail() {
        throw new AssertionError("not to be called");
    }

    @Test
    void orderNamesChildrenOfTheBase() throws IOException {
        BaseFailure e = assertThrows(BaseFailure.class, () -> rollout().run("web", List.of("update"), new Rollout.Options(List.of("c"), 1)));
        assertEquals("--order: c is no child of web (its children: a, b)", e.getMessage());
        assertEquals(List.of(), calls);
    }
}
