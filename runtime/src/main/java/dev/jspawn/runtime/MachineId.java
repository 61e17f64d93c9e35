package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.jspawn.images.Beneath;
import dev.jspawn.images.Node;
import dev.jspawn.images.Xattrs;
import dev.jspawn.syntax.ConfigFiles;

/**
 * Gives each child its own machine ID, kept with its upper dir, and tells whether a base carries one.
 *
 * <p>A base leaves {@code /etc/machine-id} empty and has no {@code /etc/hostname}. Each child gets
 * its ID from nspawn's {@code --uuid=} (the guest's systemd takes it for an empty machine-id and
 * commits it to the upper dir), and its host name from its machine name. The ID is recorded as
 * {@value #XATTR} on the upper dir: a trusted.* attribute, which the guest, even as its root in a
 * user namespace, can neither read nor forge.
 */
public final class MachineId {

    static final String XATTR = "trusted.jspawn.machine_id";
    /** Where a tree keeps its machine ID, relative to its root. */
    public static final Path FILE = Path.of("etc/machine-id");

    private MachineId() {
    }

    /**
     * The child's machine ID: the one recorded on its upper dir; else the ID the guest already keeps in its
     * own upper dir (an existing child keeps it); else a new random one. Recorded on the upper dir.
     */
    static String of(Path upper) throws IOException {
        byte[] recorded = Xattrs.get(upper, XATTR);
        if (recorded != null) {
            String id = new String(recorded, StandardCharsets.US_ASCII);
            if (valid(id)) return id;
        }
        String id = ownCopy(upper).orElseGet(() -> UUID.randomUUID().toString().replace("-", ""));
        Xattrs.set(upper, XATTR, id.getBytes(StandardCharsets.US_ASCII));
        return id;
    }

    /** The machine ID in the upper dir's own /etc/machine-id, read as a guest's file is: a regular file only, never through a link. */
    static Optional<String> ownCopy(Path upper) {
        try {
            // Read before the overlay is mounted, so no guest of this child runs: a symlink or a FIFO left there stays one.
            if (Beneath.blocked(upper, FILE)) return Optional.empty();
            if (Node.stat(upper.resolve(FILE)).filter(n -> n.type() == Node.Type.FILE).isEmpty()) return Optional.empty();
            String id = new String(ConfigFiles.read(upper.resolve(FILE)), StandardCharsets.US_ASCII).trim();
            return valid(id) ? Optional.of(id) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static boolean valid(String id) {
        return id.matches("[0-9a-f]{32}") && !id.matches("0+");
    }

    /** Whether a base's tree still carries a machine ID, which every child of it would share. */
    public static Optional<String> ofBase(List<Path> layers) throws IOException {
        for (Path layer : layers) { // topmost first: the first layer that has the file decides
            if (Node.stat(layer.resolve(FILE)).isPresent()) return ownCopy(layer);
        }
        return Optional.empty();
    }
}
