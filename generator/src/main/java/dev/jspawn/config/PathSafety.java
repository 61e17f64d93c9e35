package dev.jspawn.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a container's directories and bases may lie: its image root on none of the host's own
 * directories ({@link HostPaths}), and each base on neither the host's own directories nor the
 * container's own (mount point, upper, work, backup, aside).
 */
final class PathSafety {

    private PathSafety() {
    }

    /** ImageRoot=: a path ({@link Values#path}) that is not one of the host's own directories. */
    static String imageRoot(String v) throws Values.Invalid {
        Values.path(v);
        Optional<String> p = HostPaths.problem(v);
        if (p.isPresent()) throw new Values.Invalid(p.get() + "; give containers a directory of their own, such as " + ConfigLoader.DEFAULT_IMAGE_ROOT);
        return v;
    }

    /**
     * Why the bases {@code lowerDirs} cannot be those of the container whose mount point is
     * {@code where}: one message per problem, in the order of the bases (empty if none).
     */
    static List<String> baseProblems(List<String> lowerDirs, String where, String upper, String work) {
        List<String> out = new ArrayList<>();
        for (String base : lowerDirs) {
            Optional<String> host = HostPaths.problem(base);
            if (host.isPresent()) {
                out.add("the base " + host.get() + ": the guest would see it whole");
                continue;
            }
            for (String own : List.of(where, upper, work, ChildDirs.backup(where), ChildDirs.aside(where))) {
                if (base.equals(own)) {
                    out.add("the base \"" + base + "\" is this container's own directory");
                } else if (HostPaths.overlap(base, own)) {
                    out.add("the base \"" + base + "\" overlaps this container's own directory " + own);
                }
            }
        }
        return out;
    }
}
