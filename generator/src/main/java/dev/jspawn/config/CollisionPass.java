package dev.jspawn.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import dev.jspawn.config.ConfigLoader.Result;
import dev.jspawn.syntax.Diagnostic;

/**
 * The pass across containers: every file judged on its own first, then the valid ones against
 * each other ({@link Collisions}), in the order of container names. A file that collides keeps no
 * configuration; its collisions become its errors.
 */
final class CollisionPass {

    /** By container name. (A class of its own: Comparator.comparing would link a lambda and a method reference at every start.) */
    private static final Comparator<ConfigSource> BY_NAME = new Comparator<>() {
        @Override
        public int compare(ConfigSource a, ConfigSource b) {
            return a.name().compareTo(b.name());
        }
    };

    private CollisionPass() {
    }

    /** {@code load}'s result for each of {@code sources}, in their order, after the collision pass. */
    static Map<ConfigSource, Result> judge(List<ConfigSource> sources, Function<ConfigSource, Result> load) {
        Map<ConfigSource, Result> results = new LinkedHashMap<>();
        List<ConfigSource> ordered = new ArrayList<>(sources);
        ordered.sort(BY_NAME);
        Map<ConfigSource, Result> own = new HashMap<>();
        List<ContainerConfig> valid = new ArrayList<>();
        for (ConfigSource s : ordered) {
            Result r = load.apply(s);
            own.put(s, r);
            if (r.ok()) valid.add(r.config().get());
        }
        Collisions everyChild = Collisions.of(valid, false); // a base reaching into any child's dirs, whatever the order
        Collisions claimed = new Collisions();              // what the files before this one (in name order) hold
        for (ConfigSource s : ordered) {
            Result r = own.get(s);
            if (r.ok()) {
                List<String> collisions = everyChild.bases(r.config().get());
                if (collisions.isEmpty()) collisions = claimed.against(r.config().get());
                if (collisions.isEmpty()) {
                    claimed.add(r.config().get(), true);
                } else {
                    r = new Result(Optional.empty(), collisions.stream().map(m -> Diagnostic.ofFile(s.file(), m)).toList());
                }
            }
            results.put(s, r);
        }
        Map<ConfigSource, Result> inOrder = new LinkedHashMap<>();
        for (ConfigSource s : sources) inOrder.put(s, results.get(s));
        return inOrder;
    }
}
