package dev.jspawn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.images.Locks;

/** The locks a command takes before it touches a base or a child (see {@link Locks}). */
final class CommandLocks {

    private CommandLocks() {
    }

    /** Several locks held together, released in reverse order. */
    interface Hold extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** A child, exclusively, and (shared) every base of its chain that lives under its image root, as one hold. */
    static Hold child(Jspawn root, ContainerConfig c) throws IOException {
        List<Locks.Held> held = new ArrayList<>();
        try {
            held.add(Locks.child(root.context.lockDir(), Path.of(c.imageRoot()), c.name(), root.lockPolicy()));
            for (String lower : c.lowerDirs()) {
                Path p = Path.of(lower);
                if (p.getParent() != null && p.getParent().equals(Path.of(c.imageRoot()))) {
                    held.add(Locks.base(root.context.lockDir(), p.getParent(), p.getFileName().toString(), false, root.lockPolicy()));
                }
            }
        } catch (IOException | RuntimeException e) {
            release(held);
            throw e;
        }
        return () -> release(held);
    }

    /** A base, exclusively: its versions are about to change. */
    static Locks.Held base(Jspawn root, Path imageRoot, String name) throws IOException {
        return Locks.base(root.context.lockDir(), imageRoot, name, true, root.lockPolicy());
    }

    private static void release(List<Locks.Held> held) throws IOException {
        for (int i = held.size() - 1; i >= 0; i--) held.get(i).close();
    }
}
