package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.images.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "restore",
        description = {"Bring back the child's own version of PATH (a path in the guest) that prune --prefer-base moved to the backup dir:"
                + " the newest backup of it goes back into the upper dir.",
                "The child must be stopped (or pass --stop)."})
final class RestoreCommand implements Callable<Integer> {

    private static final Pattern NUMBERED = Pattern.compile("\\.~(\\d+)~$");

    @ParentCommand
    Jspawn parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The container name or its machine name.")
    String name;

    @Parameters(index = "1", paramLabel = "PATH", description = "The path in the guest, e.g. /etc/apache2/apache2.conf.")
    String path;

    @Option(names = "--stop", description = "Stop the child first if it is running; it stays stopped.")
    boolean stop;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ContainerConfig c = Containers.load(parent.context.searchPath(), Containers.find(parent.context.searchPath(), name));
        Path rel = guestPath(path);
        Path backupDir = PruneCommand.backupDir(c);
        Path backup = newest(backupDir, rel).orElseThrow(() -> new UserError("no backup of /" + rel + " in " + backupDir));
        Path target = Path.of(c.upperDir()).resolve(rel);
        Offline.run(parent.context, c, stop, out, () -> {
            if (Node.stat(target).isPresent()) {
                throw new UserError("/" + rel + " exists in the child again (" + target + "); move it away first, nothing was changed");
            }
            createParents(c, rel);
            Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE);
            return null;
        });
        out.println("Restored /" + rel + " from " + backup + ".");
        out.flush();
        return 0;
    }

    static Path guestPath(String p) {
        String stripped = p.replaceAll("^/+", "");
        Path rel = Path.of(stripped).normalize();
        if (stripped.isEmpty() || rel.startsWith("..") || !rel.toString().equals(stripped.replaceAll("/+$", ""))) {
            throw new UserError("\"" + p + "\" is not a normalized path in the guest");
        }
        return rel;
    }

    /** The newest backup of rel: the highest numbered one, else the unnumbered one. */
    static Optional<Path> newest(Path backupDir, Path rel) throws IOException {
        Path plain = backupDir.resolve(rel);
        if (!Files.isDirectory(plain.getParent(), LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        Path best = Files.exists(plain, LinkOption.NOFOLLOW_LINKS) ? plain : null;
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

    /** Missing parent dirs in the upper dir get the base's owner and mode, so the merged view does not change. */
    private static void createParents(ContainerConfig c, Path rel) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = rel.getParent(); p != null && Node.stat(Path.of(c.upperDir()).resolve(p)).isEmpty(); p = p.getParent()) missing.add(0, p);
        for (Path p : missing) {
            Path dir = Files.createDirectory(Path.of(c.upperDir()).resolve(p));
            for (String lower : c.lowerDirs()) {
                Optional<Node> n = Node.stat(Path.of(lower).resolve(p));
                if (n.isPresent() && n.get().type() == Node.Type.DIRECTORY) {
                    Files.setAttribute(dir, "unix:mode", n.get().mode(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:uid", n.get().uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:gid", n.get().gid(), LinkOption.NOFOLLOW_LINKS);
                    break;
                }
            }
        }
    }

}
