package dev.jspawn.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks between threads of one process (the helper serves bus calls on several): another thread is
 * refused or waits exactly as another process would; the thread that holds a lock may take it again.
 */
class LocksTest {

    @TempDir
    Path tmp;

    final ExecutorService other = Executors.newCachedThreadPool();
    /** A thread that keeps what it takes (the pool above may run a later task on the thread of an earlier one). */
    final ExecutorService keeper = Executors.newSingleThreadExecutor();
    final List<String> said = new CopyOnWriteArrayList<>();
    final Locks.Policy noBlock = new Locks.Policy(false, said::add);
    final Locks.Policy block = new Locks.Policy(true, said::add);

    @AfterEach
    void stop() {
        other.shutdownNow();
        keeper.shutdownNow();
    }

    Path lockDir() {
        return tmp.resolve("locks");
    }

    Locks.Held base(boolean exclusive, Locks.Policy policy) throws Exception {
        return Locks.base(lockDir(), tmp.resolve("images"), "debian", exclusive, policy);
    }

    /** Takes the base's lock on another thread and releases it at once: true if it was had, false if refused (Busy). */
    boolean otherThreadGets(boolean exclusive) throws Exception {
        return other.submit(() -> {
            try (var h = base(exclusive, noBlock)) {
                return true;
            } catch (Locks.Busy e) {
                return false;
            }
        }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void anotherThreadIsRefusedWithNoBlockAndWaitsWithout() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> { // a hang guard, not a speed test
            Locks.Held held = base(true, block);
            assertFalse(otherThreadGets(true), "held exclusively: another thread is refused");
            assertFalse(otherThreadGets(false), "not even shared");
            assertTrue(said.isEmpty(), said.toString());

            CountDownLatch got = new CountDownLatch(1);
            Future<?> waiter = other.submit(() -> {
                try (var h = base(true, block)) {
                    got.countDown();
                }
                return null;
            });
            while (said.isEmpty()) Thread.sleep(10);
            assertEquals(List.of("waiting for another jspawn command to finish with base debian..."), said);
            assertFalse(got.await(300, TimeUnit.MILLISECONDS), "it waits while the lock is held");
            held.close();
            waiter.get(30, TimeUnit.SECONDS);
            assertEquals(0, got.getCount(), "and has it once it is released");
            assertTrue(otherThreadGets(true), "released by both");
        });
    }

    @Test
    void sharedHoldersShareAndKeepAWriterOut() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (var mine = base(false, block)) {
                Future<Locks.Held> theirs = keeper.submit(() -> base(false, noBlock));
                Locks.Held t = theirs.get(30, TimeUnit.SECONDS); // shared with shared: had at once
                assertFalse(otherThreadGets(true), "no writer while two share it");
                mine.close();
                assertFalse(otherThreadGets(true), "nor while one still does");
                keeper.submit(() -> {
                    t.close();
                    return null;
                }).get(30, TimeUnit.SECONDS);
                assertTrue(otherThreadGets(true), "once both are done");
            }
        });
    }

    /** The other process: takes the lock as Locks does (FileChannel.lock), says so, and holds it until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (var ch = java.nio.channels.FileChannel.open(Path.of(args[0]), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE); var lock = ch.lock()) {
                System.out.print("locked");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }
    }

    @Test
    void whileOneThreadWaitsForAnotherProcessTheOthersWaitBehindIt() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Path file = lockDir().resolve(Locks.fileName("base", tmp.resolve("images/debian")));
            java.nio.file.Files.createDirectories(lockDir());
            String jvm = ProcessHandle.current().info().command().orElse("java");
            Process holder = new ProcessBuilder(jvm, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), file.toString())
                    .redirectErrorStream(true).start();
            try {
                assertEquals("locked", new String(holder.getInputStream().readNBytes(6), java.nio.charset.StandardCharsets.UTF_8));
                assertFalse(otherThreadGets(false), "another process holds it");
                Future<?> first = keeper.submit(() -> {
                    try (var h = base(true, block)) {
                        return null;
                    }
                });
                while (said.isEmpty()) Thread.sleep(10); // the first waits in fcntl
                assertFalse(otherThreadGets(true), "with --no-block another thread is refused meanwhile");
                Future<?> second = other.submit(() -> {
                    try (var h = base(false, block)) {
                        return null;
                    }
                });
                while (said.size() < 2) Thread.sleep(10);
                assertFalse(first.isDone() || second.isDone());
                holder.destroy();
                first.get(30, TimeUnit.SECONDS);
                second.get(30, TimeUnit.SECONDS);
                assertTrue(otherThreadGets(true), "both done, nothing left held");
            } finally {
                holder.destroyForcibly();
            }
        });
    }

    @Test
    void theHolderMayTakeItAgainButNotUpgradeAShareAndTheOutermostReleaseFreesIt() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Locks.Held outer = base(true, noBlock);
            Locks.Held again = base(true, noBlock); // base upgrade: its update takes the base again
            Locks.Held shared = base(false, noBlock); // and each prune takes it shared
            shared.close();
            again.close();
            assertFalse(otherThreadGets(true), "the outer hold still has it");
            outer.close();
            assertTrue(otherThreadGets(true));

            try (var s = base(false, noBlock)) {
                assertThrows(IllegalStateException.class, () -> base(true, noBlock));
            }
            assertTrue(otherThreadGets(true), "a refused upgrade leaves nothing held");
        });
    }
}
