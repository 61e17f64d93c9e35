package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;

/**
 * Who uses a base: the configured children whose chain of bases includes it, the NAME.base files
 * layered on it, and the mounted overlays and mounts that hold it or one of its versions. base list,
 * versions, gc, upgrade and remove all ask here.
 */
public final class BaseUsers {

    private final Path imageRoot;
    private final SearchPath searchPath;
    private final MountTable mounts;

    public BaseUsers(Path imageRoot, SearchPath searchPath, MountTable mounts) {
        this.imageRoot = imageRoot;
        this.searchPath = searchPath;
        this.mounts = mounts;
    }

    private BaseStore store() {
        return new BaseStore(imageRoot);
    }

    /** Every valid child whose chain of bases includes this base. */
    public List<ContainerConfig> children(String base) {
        Bases bases = Bases.load(searchPath);
        String dir = imageRoot.resolve(base).toString();
        List<ContainerConfig> out = new ArrayList<>();
        for (ConfigSource s : searchPath.scan().sources()) {
            ConfigLoader.load(s, bases).config().filter(c -> c.lowerDirs().contains(dir)).ifPresent(out::add);
        }
        return out;
    }

    /** Every valid child held on one version of this base by BaseVersion= (a lower layer that is a version's directory). */
    public List<ContainerConfig> held(String base) {
        Bases bases = Bases.load(searchPath);
        Path versions = store().store(base);
        List<ContainerConfig> out = new ArrayList<>();
        for (ConfigSource s : searchPath.scan().sources()) {
            ConfigLoader.load(s, bases).config()
                    .filter(c -> c.lowerDirs().stream().anyMatch(d -> versions.equals(Path.of(d).getParent())))
                    .ifPresent(out::add);
        }
        return out;
    }

    /** The valid children that have a layer right in the image root (IMAGE_ROOT/NAME), by that NAME: a new map, sorted by NAME. */
    public Map<String, List<String>> childrenByBase() {
        Bases bases = Bases.load(searchPath);
        Map<String, List<String>> users = new TreeMap<>();
        for (ConfigSource s : searchPath.scan().sources()) {
            ConfigLoader.load(s, bases).config().ifPresent(c -> {
                for (String dir : c.lowerDirs()) {
                    Path p = Path.of(dir);
                    if (p.getParent() != null && p.getParent().equals(imageRoot)) {
                        users.computeIfAbsent(p.getFileName().toString(), k -> new ArrayList<>()).add(c.name());
                    }
                }
            });
        }
        return users;
    }

    /**
     * Who uses which version of a base: a configured child or a base file that names a version's
     * directory itself (an absolute Base=); a mounted overlay that has a version's directory as a layer,
     * or the base (IMAGE_ROOT/NAME), whose version the probes tell (BaseProbes.usedBy: all of them when
     * they cannot); and a mount inside a version's directory, which deleting it would go through.
     * A plain base has no versions: nobody uses one of them.
     */
    public Map<Integer, List<String>> usage(String base) throws IOException {
        return usage(base, true);
    }

    /** As {@link #usage(String)}; without {@code mounts}, only who names a version. */
    public Map<Integer, List<String>> usage(String base, boolean mounts) throws IOException {
        BaseStore store = store();
        BaseProbes probes = new BaseProbes(imageRoot);
        Map<Path, Integer> dirs = new HashMap<>();
        Map<Path, Integer> real = new HashMap<>();
        for (BaseStore.Version v : store.versions(base)) {
            dirs.put(v.dir(), v.number());
            real.put(v.dir().toRealPath(), v.number());
        }
        Map<Integer, List<String>> used = new TreeMap<>();
        BiConsumer<Integer, String> use = (v, who) -> {
            List<String> users = used.computeIfAbsent(v, k -> new ArrayList<>());
            if (!users.contains(who)) users.add(who);
        };
        if (dirs.isEmpty()) return used;
        Bases bases = Bases.load(searchPath);
        Map<String, ContainerConfig> childAt = new HashMap<>();
        for (ConfigSource s : searchPath.scan().sources()) {
            Optional<ContainerConfig> c = ConfigLoader.load(s, bases).config();
            if (c.isEmpty()) continue;
            childAt.put(c.get().where(), c.get());
            for (String d : c.get().lowerDirs()) {
                Integer v = dirs.get(Path.of(d).normalize());
                if (v != null) use.accept(v, c.get().name());
            }
        }
        for (String b : bases.names()) {
            Integer v = bases.parentOf(b).map(p -> dirs.get(Path.of(p).normalize())).orElse(null);
            if (v != null) use.accept(v, b + Bases.SUFFIX);
        }
        // A rollout in progress, even one that was killed: the version it rolls out, and the children it moved there.
        Optional<RolloutState> rollout = RolloutState.open(store, base);
        if (rollout.isPresent()) use.accept(rollout.get().plan().to(), "the rollout in progress (jspawn base upgrade " + base + ")");
        RolloutState.pins(store, base).forEach((child, v) -> use.accept(v, child + " (on it by the rollout)"));
        if (!mounts) return used;
        for (MountTable.Overlay o : this.mounts.overlays()) {
            ContainerConfig child = childAt.get(o.mountPoint());
            String who = child != null ? child.name() : "the overlay at " + o.mountPoint();
            // A child of this base names the views of its layers in lowerdir= (idmapped, detached once mounted), not the base:
            // its version is told by the probes too.
            boolean probe = child != null && child.lowerDirs().contains(store.link(base).toString());
            for (String lower : o.lowers()) {
                Path p = Path.of(lower).normalize();
                if (dirs.containsKey(p)) use.accept(dirs.get(p), who);
                else if (p.equals(store.link(base))) probe = true;
            }
            if (probe) {
                Set<Integer> seen = child != null ? probes.usedBy(base, child)
                        : probes.usedBy(base, Path.of(o.mountPoint()), o.upper() == null ? null : Path.of(o.upper()));
                for (int v : seen) use.accept(v, who);
            }
        }
        for (String point : this.mounts.points()) {
            real.forEach((dir, v) -> {
                if (Path.of(point).startsWith(dir)) use.accept(v, "the mount at " + point);
            });
        }
        return used;
    }

    /**
     * Refuses the removal of a base that anything uses: a child of it, a base layered on it, a child or base
     * file that names one of its versions, an overlay that has IMAGE_ROOT/NAME or a directory in its store as
     * a layer, and a mount inside IMAGE_ROOT/NAME or its store. Unlike {@link #usage}, these mount checks
     * cover a plain base too, and ask no probe which version an overlay shows: any version counts.
     */
    public void refuseRemoval(String name) throws IOException {
        BaseStore store = store();
        List<String> children = children(name).stream().map(ContainerConfig::name).toList();
        if (!children.isEmpty()) {
            throw new BaseFailure("base " + name + " is used by " + String.join(", ", children)
                    + "; remove them first (jspawn remove CHILD), or give them another Base=");
        }
        Bases bases = Bases.load(searchPath);
        String dir = store.link(name).toString();
        List<String> layered = bases.names().stream()
                .filter(b -> bases.parentOf(b).filter(p -> p.equals(name) || Path.of(p).normalize().toString().equals(dir)).isPresent()).toList();
        if (!layered.isEmpty()) {
            throw new BaseFailure("base " + name + " has " + String.join(", ", layered) + " layered on it (Base=" + name + " in "
                    + String.join(", ", layered.stream().map(b -> b + Bases.SUFFIX).toList()) + "); remove or change those first");
        }
        List<String> users = new ArrayList<>();
        usage(name, false).forEach((v, who) -> users.add("v" + v + " by " + String.join(", ", who)));
        Path link = store.link(name), versions = store.store(name);
        for (MountTable.Overlay o : mounts.overlays()) {
            if (o.lowers().stream().map(l -> Path.of(l).normalize()).anyMatch(p -> p.equals(link) || p.startsWith(versions))) {
                users.add("the overlay at " + o.mountPoint());
            }
        }
        List<Path> trees = new ArrayList<>(); // deleting them must never go through a mount
        if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) trees.add(link.toRealPath());
        if (Files.isDirectory(versions, LinkOption.NOFOLLOW_LINKS)) trees.add(versions.toRealPath());
        for (String point : mounts.points()) {
            if (trees.stream().anyMatch(t -> Path.of(point).startsWith(t))) users.add("the mount at " + point);
        }
        if (!users.isEmpty()) {
            throw new BaseFailure("base " + name + " is in use: " + String.join("; ", users) + "; stop, change or unmount those first");
        }
    }
}
