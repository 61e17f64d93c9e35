package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import dev.jspawn.images.Beneath;
import dev.jspawn.images.Node;
import dev.jspawn.runtime.MachineId;
import dev.jspawn.runtime.UserError;

/** Makes a base carry no identity, so that each child gets its own (see {@link MachineId}). */
final class Identity {

    private static final Path MACHINE_ID = MachineId.FILE;

    private Identity() {
    }

    /**
     * Makes a base's tree carry no identity: an empty /etc/machine-id (each child's systemd then takes the
     * ID nspawn gives it) and no /etc/hostname (each guest is then called by its machine name).
     */
    static void blank(Path root, PrintWriter out) throws IOException {
        if (Beneath.blocked(root, MACHINE_ID)) throw new UserError(root.resolve("etc") + " is not a directory: not an OS tree");
        Path id = root.resolve(MACHINE_ID);
        Optional<Node> n = Node.stat(id);
        if (n.isEmpty() || n.get().type() != Node.Type.FILE || n.get().size() != 0) {
            if (Files.isDirectory(root.resolve("etc"), LinkOption.NOFOLLOW_LINKS)) {
                Path tmp = root.resolve("etc/.machine-id.jspawn");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r--r--r--")));
                Files.move(tmp, id, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                out.println("    machine ID: none (each child gets its own)");
            }
        }
        if (Node.stat(root.resolve("etc/hostname")).isPresent()) {
            Files.delete(root.resolve("etc/hostname"));
            out.println("    host name: none (each child is called by its machine name)");
        }
        // D-Bus reads its own copy first; systemd's tmpfiles (dbus.conf) links it to /etc/machine-id when it is missing.
        Path dbus = Path.of("var/lib/dbus/machine-id");
        if (!Beneath.blocked(root, dbus) && Node.stat(root.resolve(dbus)).filter(f -> f.type() == Node.Type.FILE).isPresent()) {
            Files.delete(root.resolve(dbus));
            out.println("    D-Bus machine ID: none (linked to /etc/machine-id at boot)");
        }
    }
}
