package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file whole or not at all (the service's environment file).
 *
 * <p>The bytes go into a temporary file beside it, which is synced and then renamed over it; if any
 * step fails (a full disk), the file is left as it was, the temporary file is deleted, and the failure
 * is an error that names the file and the reason.
 */
final class WholeFile {

    /** How the temporary file is opened for writing: a parameter only so that a test can hand in a device that is full. */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path tmp) throws IOException;
    }

    static final Opener CREATE_NEW = tmp -> FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private WholeFile() {
    }

    static void write(Path file, byte[] bytes) throws IOException {
        write(file, bytes, CREATE_NEW);
    }

    static void write(Path file, byte[] bytes, Opener opener) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp); // left by a run that was killed half-way
            try (FileChannel ch = opener.open(tmp)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) ch.write(buffer);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
            throw new UserError("Failed to write " + file + ": " + reason + "; it was left as it was");
        }
    }
}
