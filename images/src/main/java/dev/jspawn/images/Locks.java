package dev.jspawn.images;

import java.io.IOException;
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
 * under them (prune, restore, convert-userns read the base chain) take it shared. Within one process
 * a lock already held is not taken again (base upgrade holds its base while it prunes each child).
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

    /** A held lock; closing it releases it (unless an outer holder in this process still has it). */
    public static final class Held implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;

        private Held(Path file, FileChannel channel, FileLock lock) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            synchronized (HELD) {
                Held[] h = HELD.get(file);
                if (h == null || h[0] != this) return; // a nested, no-op hold
                HELD.remove(file);
            }
            lock.release();
            channel.close();
        }
    }

    private static final Map<Path, Held[]> HELD = new HashMap<>();

    private Locks() {
    }

    public static Held base(Path lockDir, Path imageRoot, String name, boolean exclusive, Policy policy) throws IOException {
        return take(lockDir.resolve(fileName("base", imageRoot.resolve(name))), exclusive, "base " + name, policy);
    }

    public static Held child(Path lockDir, Path imageRoot, String name, Policy policy) throws IOException {
        return take(lockDir.resolve(fileName("child", imageRoot.resolve(name))), true, "container " + name, policy);
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
        synchronized (HELD) {
            Held[] held = HELD.get(file);
            if (held != null) {
                if (exclusive && held[0].lock.isShared()) throw new IllegalStateException("upgrading a shared lock on " + what);
                return new Held(file, null, null); // already ours
            }
        }
        Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            FileLock lock = ch.tryLock(0, Long.MAX_VALUE, !exclusive);
            if (lock == null) {
                if (!policy.block()) {
                    throw new Busy(what + " is being changed by another jspawn command; try again later (or leave out --no-block to wait)");
                }
                policy.waiting().accept("waiting for another jspawn command to finish with " + what + "...");
                lock = ch.lock(0, Long.MAX_VALUE, !exclusive);
            }
            Held h = new Held(file, ch, lock);
            synchronized (HELD) {
                HELD.put(file, new Held[] {h});
            }
            return h;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
