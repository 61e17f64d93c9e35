package dev.jspawn.images;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import dev.jspawn.config.Bases;
import dev.jspawn.config.SearchPath;

/**
 * jspawn auto-upgrade: for each base that says where it comes from, a new version when that changed, rolled out
 * with rollback ({@link Rollout}). A base says so with UpdateCommand= in its NAME.base (run as base update runs a
 * command; a run that changes nothing makes no version), or by having been pulled (its {@link PullOrigin}: the
 * image's config is looked up first, and the image pulled only if it changed). A rollout cut short is finished
 * first, as base upgrade would.
 */
public final class AutoUpgrade {

    /** What became of one base: its rollout, if one ran, or why none did; and whether that is a failure. */
    public record Outcome(String base, Optional<Rollout.Result> rollout, String note, boolean failed) {
    }

    /** Pulls a base again without making the new version current (BasePull, as the caller configures it). */
    @FunctionalInterface
    public interface Puller {
        BasePull.Result pull(String name, PullOrigin origin) throws IOException;
    }

    private final Path imageRoot;
    private final SearchPath searchPath;
    private final BaseUpdate update;
    private final Puller puller;
    private final Rollout rollout;
    private final BaseTools tools;
    private final PrintWriter out;

    public AutoUpgrade(Path imageRoot, SearchPath searchPath, BaseUpdate update, Puller puller, Rollout rollout, BaseTools tools, PrintWriter out) {
        this.imageRoot = imageRoot;
        this.searchPath = searchPath;
        this.update = update;
        this.puller = puller;
        this.rollout = rollout;
        this.tools = tools;
        this.out = out;
    }

    /** The bases named, or, with none named, every base of the image root that says where it comes from. */
    public List<Outcome> run(List<String> named, Rollout.Options options) throws IOException {
        Bases bases = Bases.load(searchPath);
        BaseStore store = new BaseStore(imageRoot);
        List<String> names = new ArrayList<>(named);
        if (names.isEmpty()) {
            TreeSet<String> all = new TreeSet<>();
            for (String b : bases.names()) if (bases.updateCommandOf(b).isPresent()) all.add(b);
            Path versions = imageRoot.resolve(BaseStore.STORE);
            if (Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> s = Files.newDirectoryStream(versions)) {
                    for (Path p : s) if (Files.exists(p.resolve(PullOrigin.FILE), LinkOption.NOFOLLOW_LINKS)) all.add(p.getFileName().toString());
                }
            }
            names.addAll(all);
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (String name : names) {
            try {
                BaseStore.validName(name);
                outcomes.add(one(name, bases, store, options, !named.isEmpty()));
            } catch (IOException | RuntimeException e) {
                // One base's failure costs only that base.
                outcomes.add(new Outcome(name, Optional.empty(), "FAILED: " + e.getMessage(), true));
            }
        }
        return outcomes;
    }

    private Outcome one(String name, Bases bases, BaseStore store, Rollout.Options options, boolean named) throws IOException {
        if (!store.exists(name)) return new Outcome(name, Optional.empty(), "no base " + name + " in " + imageRoot, true);
        Optional<List<String>> cmd = bases.updateCommandOf(name);
        if (cmd.isPresent()) {
            say(name + ": running its UpdateCommand= (" + bases.fileOf(name).map(Path::toString).orElse(name + Bases.SUFFIX) + "): " + String.join(" ", cmd.get()));
            Rollout.Result r = rollout.run(name, "its UpdateCommand=", () -> update.runIfChanged(name, cmd.get()), options);
            return new Outcome(name, Optional.of(r), "", r.failed());
        }
        Optional<PullOrigin> origin = PullOrigin.read(store, name);
        if (origin.isEmpty()) {
            return new Outcome(name, Optional.empty(), "says not where it comes from: give it UpdateCommand= in " + name + Bases.SUFFIX
                    + ", or pull it (jspawn base pull)", true);
        }
        PullOrigin o = origin.get();
        Rollout.Result r = rollout.run(name, "the pull of " + o.source(), () -> {
            // The image's config is its id: unchanged, nothing is pulled.
            Optional<String> had = store.current(name).isPresent() ? OciImage.storedConfigDigest(store.current(name).get()) : Optional.empty();
            List<String> inspect = new ArrayList<>(List.of("skopeo", "inspect", "--config", "--raw"));
            inspect.addAll(o.inspectOptions());
            inspect.addAll(List.of("--", o.source()));
            String remote = OciImage.digest(tools.output(inspect));
            if (had.isPresent() && had.get().equals(remote)) {
                say(name + ": " + o.source() + " is still " + remote + "; nothing to pull");
                return Optional.empty();
            }
            say(name + ": " + o.source() + " is now " + remote + (had.isPresent() ? " (was " + had.get() + ")" : "") + "; pulling it");
            return puller.pull(name, o).made();
        }, options);
        return new Outcome(name, Optional.of(r), "", r.failed());
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
