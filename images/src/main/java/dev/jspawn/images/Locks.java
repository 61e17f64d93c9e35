package dev.jspawn.images;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Locks that keep two jspawn commands from changing the same base or child at once: one lock file
 * per base and per child (named by its path) in a lock directory (/run/jspawn/locks), taken with fcntl (FileChannel.lock),
 * so the kernel releases it when its holder dies and a crash leaves no stale lock. Writers of a base
 * (create, update, upgrade, rollback, gc, remove) take it exclusively; readers that must not see it change
 * under them (prune, restore, convert-userns read the base chain) take it shared.
 * The thread that holds a lock may take it again (base upgrade holds its base while its update takes it again
 * and each prune takes it shared); another thread of the same process (the helper serves bus calls on several)
 * is refused or waits exactly as another process would.
 */
public final class Locks {

    /** What a command does when another one holds the lock. */
    public record Policy(boolean block, Consumer<String> waiting) {
        public static Policy quietlyBlocking() {
            return new Policy(true, msg -> { });
        }
    }

    /** Another command holds the lock and the caller asked not to wait. */
    public static final class Busy extends IOException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    /** One hold of a lock; closing it gives the hold up, and the lock is released when no thread of this process holds it. */
    public static final class Held implements AutoCloseable {
        private final Path file;
        private final Thread thread;
        private boolean closed;

        private Held(Path file, Thread thread) {
            this.file = file;
            this.thread = thread;
        }

        @Override
        public void close() throws IOException {
            synchronized (HELD) {
                if (closed) return;
                closed = true;
                State s = HELD.get(file);
                int left = s.holders.get(thread) - 1;
                if (left > 0) {
                    s.holders.put(thread, left);
                    return; // a nested hold
                }
                s.holders.remove(thread);
                if (!s.holders.isEmpty()) return; // shared, and other threads still hold it
                // Released under the monitor: until it is, this JVM may not lock the file again (OverlappingFileLockException).
                HELD.remove(file);
                HELD.notifyAll();
                try {
                    s.lock.release();
                } finally {
                    s.channel.close();
                }
            }
        }
    }

    /**
     * One lock file as this process holds it. An fcntl lock belongs to a process, and Java refuses a second
     * FileLock on a file that the JVM has locked, so the process takes the file's lock once and its threads
     * share that: any number of them shared, or one exclusively, as processes would. Threads hold it exactly
     * while {@code lock} is set.
     */
    private static final class State {
        /** The threads that hold it, each with its number of holds (a thread may take it again: nested holds). */
        final Map<Thread, Integer> holders = new HashMap<>();
        boolean exclusive;
        FileChannel channel;
        FileLock lock;
        /** A thread of this process is waiting in fcntl for another process to release the file. */
        boolean waiting;
    }

    /** The lock files this process holds or is waiting for; guards every State, and is notified when one is released. */
    private static final Map<Path, State> HELD = new HashMap<>();

    private Locks() {
    }

    public static Held base(Path lockDir, Path imageRoot, String name, boolean exclusive, Policy policy) throws IOException {
        return take(lockDir.resolve(fileName("base", imageRoot.resolve(name))), exclusive, "base " + name, policy);
    }

    public static Held child(Path lockDir, Path imageRoot, String name, Policy policy) throws IOException {
        return take(lockDir.resolve(fileName("child", imageRoot.resolve(name))), true, "container " + name, policy);
    }

    /**
     * The layer store of an image root: held while a pull adds layers and its version names them, and while gc
     * removes the layers no version names, so that gc never removes a layer a pull is about to stack.
     */
    public static Held layers(Path lockDir, Path imageRoot, Policy policy) throws IOException {
        return take(lockDir.resolve(fileName("layers", imageRoot.resolve(Layers.STORE))), true, "the layer store", policy);
    }

    /** The picking of UID ranges: one child at a time, so two children never get the same one. */
    public static Held uidRanges(Path lockDir, Policy policy) throws IOException {
        return take(lockDir.resolve("uid-ranges.lock"), true, "the UID ranges", policy);
    }

    /** One file name per path, readable where short: /var/lib/jspawn/web -> base-%2Fvar%2Flib%2Fjspawn%2Fweb.lock. */
    static String fileName(String kind, Path path) {
        String enc = java.net.URLEncoder.encode(path.toAbsolutePath().normalize().toString(), java.nio.charset.StandardCharsets.UTF_8);
        if (enc.length() > 200) enc = Integer.toHexString(enc.hashCode()) + "-" + enc.substring(enc.length() - 150);
        return kind + "-" + enc + ".lock";
    }

    private static Held take(Path file, boolean exclusive, String what, Policy policy) throws IOException {
        Thread me = Thread.currentThread();
        boolean told = false;
        State s;
        FileChannel ch;
        synchronized (HELD) {
            while (true) {
                s = HELD.computeIfAbsent(file, f -> new State());
                Integer mine = s.holders.get(me);
                if (mine != null) {
                    if (exclusive && !s.exclusive) throw new IllegalStateException("upgrading a shared lock on " + what);
                    s.holders.put(me, mine + 1);
                    return new Held(file, me); // already this thread's
                }
                if (s.lock != null && !s.exclusive && !exclusive) {
                    s.holders.put(me, 1); // shared with other threads of this process
                    return new Held(file, me);
                }
                if (s.lock == null && !s.waiting) break;
                // Another thread of this process holds it in a way that excludes this hold, or waits for it.
                if (!policy.block()) throw busy(what);
                if (!told) policy.waiting().accept(waitingFor(what));
                told = true;
                try {
                    HELD.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for " + what);
                }
            }
            // No thread of this process holds it: take the file's lock for the process.
            try {
                Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            } catch (IOException | RuntimeException e) {
                HELD.remove(file);
                throw e;
            }
            try {
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, !exclusive);
                if (lock != null) return hold(s, file, me, ch, lock, exclusive);
                if (!policy.block()) throw busy(what);
            } catch (IOException | RuntimeException e) {
                HELD.remove(file);
                ch.close();
                throw e;
            }
            s.waiting = true; // the other threads that want it wait for this one
        }
        if (!told) policy.waiting().accept(waitingFor(what));
        FileLock lock;
        try {
            lock = ch.lock(0, Long.MAX_VALUE, !exclusive); // outside the monitor: the others may go on meanwhile
        } catch (IOException | RuntimeException e) {
            ch.close();
            synchronized (HELD) {
                HELD.remove(file);
                HELD.notifyAll();
            }
            throw e;
        }
        synchronized (HELD) {
            s.waiting = false;
            HELD.notifyAll();
            return hold(s, file, me, ch, lock, exclusive);
        }
    }

    private static Held hold(State s, Path file, Thread me, FileChannel ch, FileLock lock, boolean exclusive) {
        s.channel = ch;
        s.lock = lock;
        s.exclusive = exclusive;
        s.holders.put(me, 1);
        return new Held(file, me);
    }

    private static Busy busy(String what) {
        return new Busy(what + " is being changed by another jspawn command; try again later (or leave out --no-block to wait)");
    }

    private static String waitingFor(String what) {
        return "waiting for another jspawn command to finish with " + what + "...";
    }
}
