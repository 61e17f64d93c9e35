package dev.jspawn.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What one child may not share with another: its directories (mount point, upper, work, backup)
 * may not be, contain or lie inside another child's, nor another child's base; its machine name
 * must be its own. A base that reaches into another child's directories is always the fault of
 * the file that names it. Otherwise files are judged in the order of their container names: the
 * later of two colliding files is refused, naming the earlier one. Pure: no I/O.
 */
public final class Collisions {

    private Collisions() {
    }

    /** The directories a child owns. */
    static List<String> dirs(ContainerConfig c) {
        return List.of(c.where(), c.upperDir(), c.workDir(), c.backupDir());
    }

    /** Why {@code c}'s bases reach into the directories of any of {@code others} (empty if they do not). */
    public static List<String> bases(ContainerConfig c, List<ContainerConfig> others) {
        List<String> out = new ArrayList<>();
        for (ContainerConfig o : others) {
            if (o.name().equals(c.name())) continue;
            for (String base : c.lowerDirs()) {
                for (String theirs : dirs(o)) {
                    if (HostPaths.overlap(base, theirs)) out.add("its base " + base + " overlaps " + theirs + " of container " + o.name() + " (" + o.file() + ")");
                }
            }
        }
        return out;
    }

    /** Why {@code c} collides with any of {@code accepted}, one message per collision (empty if none). */
    public static List<String> against(ContainerConfig c, List<ContainerConfig> accepted) {
        List<String> out = new ArrayList<>();
        for (ContainerConfig o : accepted) {
            String other = "container " + o.name() + " (" + o.file() + ")";
            if (c.machineName().equals(o.machineName())) {
                out.add("machine name " + c.machineName() + " is already used by " + other + "; set a different [Container] MachineName=");
            }
            for (String mine : dirs(c)) {
                for (String theirs : dirs(o)) {
                    if (HostPaths.overlap(mine, theirs)) out.add("its directory " + mine + " overlaps " + theirs + " of " + other);
                }
                for (String base : o.lowerDirs()) {
                    if (HostPaths.overlap(mine, base)) out.add("its directory " + mine + " overlaps " + base + ", a base of " + other);
                }
            }
        }
        out.addAll(bases(c, accepted));
        return out;
    }
}
