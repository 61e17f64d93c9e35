package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.generator.Converter;

/**
 * The how-to's update cycle in one: update the base (as {@link BaseUpdate}), prune every child of it
 * (as {@link Prune}), and start again each child that was running, on the new version.
 */
public final class BaseUpgrade {

    /**
     * What became of each child, in order ("removed 3 identical files, kept 1 changed; started again", or why
     * not), and whether any prune or start failed.
     */
    public record Result(Map<String, String> summary, boolean failed) {
    }

    private final BaseUsers users;
    private final BaseUpdate update;
    private final Rollout.Children children;
    private final PrintWriter out;

    /** @param out where the update's steps and the files the children changed are told */
    public BaseUpgrade(BaseUsers users, BaseUpdate update, Rollout.Children children, PrintWriter out) {
        this.users = users;
        this.update = update;
        this.children = children;
        this.out = out;
    }

    /** Updates base {@code name} with {@code cmd}, then prunes its children (moving what they changed to their backup dirs with {@code preferBase}). */
    public Result run(String name, List<String> cmd, boolean preferBase) throws IOException {
        List<ContainerConfig> of = users.children(name);
        try (var lock = update.lock(name)) {
            return upgrade(name, cmd, preferBase, of);
        }
    }

    private Result upgrade(String name, List<String> cmd, boolean preferBase, List<ContainerConfig> of) throws IOException {
        // Which children to start again is decided by each prune as it stops the child, under the base's lock and
        // the child's: a child started at any time before its prune (while this command waited for the base's
        // lock, or during the update) is started again, and one stopped in the meantime is not.
        Set<String> running = new TreeSet<>();
        update.run(name, cmd);
        Map<String, String> summary = new LinkedHashMap<>();
        boolean failed = false;
        for (ContainerConfig c : of) {
            Path backup = Path.of(c.backupDir());
            String line;
            try {
                if (!Files.isDirectory(Path.of(c.upperDir()), LinkOption.NOFOLLOW_LINKS)) {
                    summary.put(c.name(), "skipped: never started (no upper dir, nothing to prune)");
                    continue;
                }
                Prune.Summary s = children.offline(c, state -> {
                            if (Rollout.RUNNING.contains(state)) running.add(c.name());
                        },
                        () -> Prune.forChild(c, false, preferBase, a -> {
                            if (a.kind() == Prune.Kind.KEEP_CHANGED || a.kind() == Prune.Kind.BACKUP) out.println(c.name() + ": " + a);
                        }).run());
                line = "removed " + s.removed() + " identical files, kept " + s.kept() + " changed"
                        + (preferBase ? ", moved " + s.backedUp() + " to " + backup : "");
            } catch (Exception e) {
                // One child's failure must not keep the others stopped: report it and go on.
                line = "prune FAILED: " + e.getMessage();
                failed = true;
            }
            if (running.contains(c.name())) {
                boolean ok = children.start(c);
                line += ok ? "; started again" : "; FAILED to start again (see systemctl status " + Converter.serviceName(c.name()) + ")";
                failed |= !ok;
            }
            summary.put(c.name(), line);
        }
        return new Result(summary, failed);
    }
}
