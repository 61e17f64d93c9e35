package dev.jspawn.syntax;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reading a configuration file as something that may be anything (a FIFO, a device, a link to
 * /dev/zero, 50 MB): only regular files (or links to them) are read, at most {@link #MAX_SIZE}
 * bytes, and never so that one file can block the others. The type is checked before opening; the
 * read itself runs on a daemon thread with a deadline, so a file swapped for a FIFO in between
 * costs {@link #READ_TIMEOUT_MS} and itself only. (Java cannot open with O_NONBLOCK, and the
 * generator keeps JNA off its boot-time class path.)
 */
public final class ConfigFiles {

    /** As systemd's unit files: a configuration larger than this is surely not one. */
    public static final int MAX_SIZE = 1 << 20;
    static final long READ_TIMEOUT_MS = 2000;

    private static ExecutorService reader = newReader();

    private ConfigFiles() {
    }

    /** Why {@code file} (links followed) cannot be read as a configuration file, or empty if it is a regular file. */
    public static Optional<String> notAFile(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.of(Files.isSymbolicLink(file) ? "is a dangling symlink" : "does not exist");
        } catch (IOException e) {
            return Optional.of("cannot be examined: " + e.getMessage());
        }
        if (a.isRegularFile()) return Optional.empty();
        if (a.isDirectory()) return Optional.of("is a directory, not a file");
        return Optional.of("is a " + kind(file) + ", not a regular file");
    }

    private static String kind(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> "FIFO";
                case 0020000 -> "character device";
                case 0060000 -> "block device";
                case 0140000 -> "socket";
                default -> "special file";
            };
        } catch (IOException | UnsupportedOperationException e) {
            return "special file";
        }
    }

    /** The file's bytes; an IOException whose message says why not (type, size, time), fit for "FILE: message". */
    public static byte[] read(Path file) throws IOException {
        Optional<String> bad = notAFile(file);
        if (bad.isPresent()) throw new IOException(bad.get());
        Future<byte[]> f;
        synchronized (ConfigFiles.class) {
            f = reader.submit(() -> {
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] b = in.readNBytes(MAX_SIZE + 1);
                    if (b.length > MAX_SIZE) throw new IOException("is larger than " + (MAX_SIZE >> 20) + " MiB: not a configuration file");
                    return b;
                }
            });
        }
        try {
            return f.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            synchronized (ConfigFiles.class) {
                reader = newReader(); // the old thread may stay blocked (in open() of a FIFO); it is a daemon
            }
            throw new IOException("could not be read within " + READ_TIMEOUT_MS / 1000 + " s (did it become a FIFO?)");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            throw new IOException("Failed to read: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading");
        }
    }

    private static ExecutorService newReader() {
        return Executors.newSingleThreadExecutor(new ReaderThreads());
    }

    /** The reader's thread: a daemon, so one left blocked in open() never keeps the process. */
    private static final class ReaderThreads implements java.util.concurrent.ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "jspawn-config-reader");
            t.setDaemon(true);
            return t;
        }
    }
}
