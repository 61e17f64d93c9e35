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

    private CollisionPass() {
    }

    /** {@code load}'s result for each of {@code sources}, in their order, after the collision pass. */
    static Map<ConfigSource, Result> judge(List<ConfigSource> sources, Function<ConfigSource, Result> load) {
        Map<ConfigSource, Result> results = new LinkedHashMap<>();
        List<ConfigSource> ordered = new ArrayList<>(sources);
        ordered.sort(Comparator.comparing(ConfigSource::name));
        Map<ConfigSource, Result> own = new HashMap<>();
        for (ConfigSource s : ordered) own.put(s, load.apply(s));
        List<ContainerConfig> valid = ordered.stream().map(own::get).filter(Result::ok).map(r -> r.config().get()).toList();
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
