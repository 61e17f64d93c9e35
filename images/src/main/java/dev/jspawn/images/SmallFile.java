package dev.jspawn.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The small text files jspawn keeps beside a base (a rollout's record, a pull's origin): each written whole under a
 * temporary name, synced and renamed over the old one, so a command killed at any point leaves the old text or the
 * new; read only if it is a regular file of at most 64K, never through a symlink.
 */
final class SmallFile {

    static final long MAX = 65536;

    private SmallFile() {
    }

    /** Its text; empty if there is none. Anything else there is refused, as not {@code what} ("a rollout's file"). */
    static Optional<String> read(Path p, String what) throws IOException {
        Optional<Node> n = Node.stat(p);
        if (n.isEmpty()) return Optional.empty();
        if (n.get().type() != Node.Type.FILE || n.get().size() > MAX) throw new Beneath.Refused(p + " is not " + what + "; move it away");
        return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
    }

    static void write(Path p, String text) throws IOException {
        Path tmp = p.resolveSibling("." + p.getFileName() + ".new");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
