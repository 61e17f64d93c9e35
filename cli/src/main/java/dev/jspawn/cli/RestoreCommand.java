package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.images.Beneath;
import dev.jspawn.images.Node;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore",
        description = {"Bring back the child's own version of PATH (a path in the guest) that prune --prefer-base moved to the backup dir:"
                + " the newest backup of it goes back into the upper dir.",
                "The child must be stopped (or pass --stop)."})
final class RestoreCommand implements Callable<Integer> {

    private static final Pattern NUMBERED = Pattern.compile("\\.~(\\d+)~$");

    @Mixin
    OneChild args;

    @Parameters(index = "1", paramLabel = "PATH", description = "The path in the guest, e.g. /etc/apache2/apache2.conf.")
    String path;

    @Mixin
    StopOption stopOption;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        ContainerConfig c = Containers.load(args.context().searchPath(), Containers.find(args.context().searchPath(), args.name));
        Path rel = guestPath(path);
        Path backupDir = PruneCommand.backupDir(c);
        Path upper = Path.of(c.upperDir());
        if (newest(backupDir, rel).isEmpty()) throw new UserError("no backup of /" + rel + " in " + backupDir); // before stopping anything
        try (var lock = CommandLocks.child(args.parent, c)) {
            restore(c, rel, backupDir, upper, out);
        }
        out.flush();
        return 0;
    }

    private void restore(ContainerConfig c, Path rel, Path backupDir, Path upper, PrintWriter out) throws IOException {
        Offline.run(args.context(), c, stopOption.stop, out, () -> {
            // Both trees hold what the guest made: Beneath refuses any symlink on the way.
            Path backup = newest(backupDir, rel).orElseThrow(() -> new UserError("no backup of /" + rel + " in " + backupDir));
            Path target = Beneath.resolve(upper, rel);
            if (Node.stat(target).isPresent()) {
                throw new UserError("/" + rel + " exists in the child again (" + target + "); move it away first, nothing was changed");
            }
            long shift = Node.stat(upper).map(Node::rangeStart).orElse(0L);
            Beneath.createParents(upper, rel, (dir, sub) -> copyBaseOwnership(c, dir, sub, shift));
            Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
            out.println("Restored /" + rel + " from " + backup + ".");
            return null;
        });
    }

    static Path guestPath(String p) {
        String stripped = p.replaceAll("^/+", "");
        Path rel = Path.of(stripped).normalize();
        if (stripped.isEmpty() || rel.startsWith("..") || !rel.toString().equals(stripped.replaceAll("/+$", ""))) {
            throw new UserError("\"" + p + "\" is not a normalized path in the guest");
        }
        return rel;
    }

    /** The newest backup of rel: the highest numbered one, else the unnumbered one. Never looks through a symlink. */
    static Optional<Path> newest(Path backupDir, Path rel) throws IOException {
        Path plain = Beneath.resolve(backupDir, rel);
        Optional<Node> parentDir = Node.stat(plain.getParent());
        if (parentDir.isEmpty() || parentDir.get().type() != Node.Type.DIRECTORY) return Optional.empty();
        Path best = Node.stat(plain).isPresent() ? plain : null;
        int bestN = 0;
        try (var s = Files.list(plain.getParent())) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith(plain.getFileName() + ".~")) continue;
                Matcher m = NUMBERED.matcher(n);
                if (m.find() && n.substring(0, m.start()).equals(plain.getFileName().toString()) && Integer.parseInt(m.group(1)) > bestN) {
                    bestN = Integer.parseInt(m.group(1));
                    best = p;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** A parent dir made in the upper dir gets the base's owner (shifted into the child's range) and mode, so the merged view does not change. */
    private static void copyBaseOwnership(ContainerConfig c, Path dir, Path rel, long shift) throws IOException {
        for (String lower : c.lowerDirs()) {
            Path root = Path.of(lower).toRealPath();
            if (Beneath.blocked(root, rel.resolve("x"))) continue;
            Optional<Node> n = Node.stat(root.resolve(rel));
            if (n.isPresent() && n.get().type() == Node.Type.DIRECTORY) {
                Files.setAttribute(dir, "unix:mode", n.get().mode(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(dir, "unix:uid", (int) (n.get().uid() + shift), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(dir, "unix:gid", (int) (n.get().gid() + shift), LinkOption.NOFOLLOW_LINKS);
                return;
            }
        }
    }
}
