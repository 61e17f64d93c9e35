package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ContainerName;

/**
 * What a rollout of a base ({@link Rollout}) has done so far, on disk, so that one killed at any point is
 * finished or rolled back by the next run: {@code ROOT/.jspawn/bases/NAME/rollout/} holds
 * <ul>
 * <li>{@code plan}: the version it rolls out from and to, and the children in their order;</li>
 * <li>{@code phase}: forward (moving children to the new version), back (putting them back), or commit
 * (making the new version current);</li>
 * <li>{@code pins/CHILD}: the child is on the new version (or on its way): its mounts and prunes use that
 * version, not the current one; written before anything of the child changes, removed only once all is
 * back;</li>
 * <li>{@code running/CHILD}: the child was running when the rollout stopped it, so it is started again (rolling back,
 * removed once it has been);</li>
 * <li>{@code done/CHILD}: the child is on the new version and healthy (or was not running).</li>
 * </ul>
 * Each change is one file written whole under a temporary name and renamed.
 */
public final class RolloutState {

    public static final String DIR = "rollout";

    public enum Phase {
        FORWARD, BACK, COMMIT;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** From version {@code from} to {@code to}, children in that order, {@code batch} at a time. */
    public record Plan(int from, int to, List<String> children, int batch) {
        public Plan {
            children = List.copyOf(children);
        }
    }

    private final Path dir;
    private final Plan plan;

    private RolloutState(Path dir, Plan plan) {
        this.dir = dir;
        this.plan = plan;
    }

    public static Path dir(BaseStore store, String base) {
        return store.store(base).resolve(DIR);
    }

    public Plan plan() {
        return plan;
    }

    /** The rollout of {@code base} that a run left unfinished, if any. */
    public static Optional<RolloutState> open(BaseStore store, String base) throws IOException {
        Path dir = dir(store, base);
        Optional<Node> n = Node.stat(dir);
        if (n.isEmpty()) return Optional.empty();
        if (n.get().type() != Node.Type.DIRECTORY) throw new Beneath.Refused(dir + " is not a directory; move it away");
        Optional<String> text = read(dir.resolve("plan"));
        if (text.isEmpty()) return Optional.empty(); // cut short before its plan was written: nothing of any child changed yet
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : text.get().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) kv.put(line.substring(0, eq), line.substring(eq + 1));
        }
        try {
            List<String> children = kv.getOrDefault("children", "").isEmpty() ? List.of() : Arrays.asList(kv.get("children").split(","));
            for (String c : children) {
                if (ContainerName.problem(c).isPresent()) throw new IOException("bad child name " + c);
            }
            Plan plan = new Plan(Integer.parseInt(kv.get("from")), Integer.parseInt(kv.get("to")), children, Integer.parseInt(kv.get("batch")));
            return Optional.of(new RolloutState(dir, plan));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve("plan") + " is not a rollout's plan (" + e.getMessage() + "); move " + dir + " away");
        }
    }

    /** Starts the record of a rollout: its plan, in phase forward. */
    public static RolloutState begin(BaseStore store, String base, Plan plan) throws IOException {
        Path dir = dir(store, base);
        Trees.deleteIfExists(dir);
        Files.createDirectory(dir);
        for (String d : List.of("pins", "running", "done")) Files.createDirectory(dir.resolve(d));
        RolloutState s = new RolloutState(dir, plan);
        s.phase(Phase.FORWARD);
        write(dir.resolve("plan"), "from=" + plan.from() + "\nto=" + plan.to() + "\nbatch=" + plan.batch() + "\nchildren="
                + String.join(",", plan.children()) + "\n");
        return s;
    }

    public Phase phase() throws IOException {
        String w = read(dir.resolve("phase")).orElse("forward").strip();
        for (Phase p : Phase.values()) if (p.word().equals(w)) return p;
        return Phase.FORWARD;
    }

    public void phase(Phase p) throws IOException {
        write(dir.resolve("phase"), p.word() + "\n");
    }

    public void pin(String child) throws IOException {
        write(dir.resolve("pins").resolve(child), plan.to() + "\n");
    }

    public void unpin(String child) throws IOException {
        Files.deleteIfExists(dir.resolve("pins").resolve(child));
    }

    public boolean pinned(String child) throws IOException {
        return Node.stat(dir.resolve("pins").resolve(child)).isPresent();
    }

    public void markRunning(String child) throws IOException {
        write(dir.resolve("running").resolve(child), "");
    }

    public boolean wasRunning(String child) throws IOException {
        return Node.stat(dir.resolve("running").resolve(child)).isPresent();
    }

    /** Rolling back: the child put back is started again (or failed to), so a rerun need not start it. */
    public void startedAgain(String child) throws IOException {
        Files.deleteIfExists(dir.resolve("running").resolve(child));
    }

    public void markDone(String child) throws IOException {
        write(dir.resolve("done").resolve(child), "");
    }

    public boolean done(String child) throws IOException {
        return Node.stat(dir.resolve("done").resolve(child)).isPresent();
    }

    /** The rollout is over: its record goes. */
    public void end() throws IOException {
        Trees.deleteIfExists(dir);
    }

    /** Where a child's reversible prune sets aside what it removes. */
    public static Path asideDir(ContainerConfig c) {
        return Path.of(c.asideDir());
    }

    /**
     * The version directory a rollout in progress has {@code child} on, for its lower layer {@code lower}: when
     * {@code lower} is a base's current link IMAGE_ROOT/NAME and a rollout of NAME pinned the child. What
     * mounts and prunes of the child use instead of the link.
     */
    public static Optional<Path> pinnedVersion(Path lower, String child) throws IOException {
        Optional<Path> pin = pinFile(lower, child);
        if (pin.isEmpty()) return Optional.empty();
        Optional<String> text = read(pin.get());
        if (text.isEmpty()) return Optional.empty();
        int v = version(text.get()).orElseThrow(() -> new IOException(pin.get() + " holds no version number"));
        return Optional.of(new BaseStore(lower.getParent()).store(lower.getFileName().toString()).resolve("v" + v));
    }

    /** Where a rollout of the base whose current link is {@code lower} pins {@code child} ({@link #pinnedVersion} reads it); empty for a root path. */
    public static Optional<Path> pinFile(Path lower, String child) {
        Path root = lower.getParent();
        if (root == null || lower.getFileName() == null) return Optional.empty();
        return Optional.of(dir(new BaseStore(root), lower.getFileName().toString()).resolve("pins").resolve(child));
    }

    /** A child's lower layers, topmost first, with {@link #pinnedVersion} applied. */
    public static List<Path> lowersFor(ContainerConfig c) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String l : c.lowerDirs()) out.add(pinnedVersion(Path.of(l), c.name()).orElse(Path.of(l)));
        return out;
    }

    /** The children a rollout of {@code base} has pinned, with the version: what gc must keep. */
    public static Map<String, Integer> pins(BaseStore store, String base) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        Path pins = dir(store, base).resolve("pins");
        if (!Files.isDirectory(pins, LinkOption.NOFOLLOW_LINKS)) return out;
        try (var s = Files.newDirectoryStream(pins)) {
            for (Path p : s) {
                read(p).flatMap(RolloutState::version).ifPresent(v -> out.put(p.getFileName().toString(), v));
            }
        }
        return out;
    }

    private static Optional<String> read(Path p) throws IOException {
        return SmallFile.read(p, "a rollout's file");
    }

    private static void write(Path p, String text) throws IOException {
        SmallFile.write(p, text);
    }

    /** A pin's version number, or empty if the pin holds none. */
    private static Optional<Integer> version(String text) {
        String v = text.strip();
        return v.matches("[1-9][0-9]{0,8}") ? Optional.of(Integer.parseInt(v)) : Optional.empty();
    }
}
