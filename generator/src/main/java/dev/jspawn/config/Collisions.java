package dev.jspawn.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What one child may not share with another: its directories (mount point, upper, work, backup, aside)
 * may not be, contain or lie inside another child's, nor another child's base; its machine name
 * must be its own. A base that reaches into another child's directories is always the fault of
 * the file that names it. Otherwise files are judged in the order of their container names: the
 * later of two colliding files is refused, naming the earlier one. Pure: no I/O.
 *
 * <p>Claims are indexed (machine names in a hash map, directories in a sorted map, where what
 * lies below a path is one range), so a thousand containers cost milliseconds, not a comparison
 * of every pair.
 */
public final class Collisions {

    /** A directory claimed by a container, as its own or as one of its bases. */
    private record Claim(ContainerConfig owner, boolean base) {
    }

    private final Map<String, ContainerConfig> machines = new HashMap<>();
    /** Claims on a child's own directories, and (apart: a thousand children of one base claim it a thousand times) on its bases. */
    private final TreeMap<String, List<Claim>> dirs = new TreeMap<>(), baseDirs = new TreeMap<>();

    /** The directories a child owns. */
    static List<String> dirs(ContainerConfig c) {
        return List.of(c.where(), c.upperDir(), c.workDir(), c.backupDir(), c.asideDir());
    }

    /** Everything {@code accepted} claims, ready for {@link #against(ContainerConfig)}. */
    public static Collisions of(List<ContainerConfig> accepted, boolean withBases) {
        Collisions x = new Collisions();
        for (ContainerConfig c : accepted) x.add(c, withBases);
        return x;
    }

    /** Claims {@code c}'s machine name and directories (and its bases, if {@code withBases}). */
    public void add(ContainerConfig c, boolean withBases) {
        machines.putIfAbsent(c.machineName(), c);
        for (String d : dirs(c)) dirs.computeIfAbsent(d, k -> new ArrayList<>()).add(new Claim(c, false));
        if (withBases) {
            for (String b : c.lowerDirs()) baseDirs.computeIfAbsent(b, k -> new ArrayList<>()).add(new Claim(c, true));
        }
    }

    /** Why {@code c} collides with what is claimed, one message per collision, by the other's name (empty if none). */
    public List<String> against(ContainerConfig c) {
        List<String[]> found = new ArrayList<>(); // {other's name, message}
        ContainerConfig m = machines.get(c.machineName());
        if (m != null && m != c) {
            found.add(new String[] {m.name(), "machine name " + c.machineName() + " is already used by " + who(m)
                    + "; set a different [Container] MachineName="});
        }
        for (String mine : dirs(c)) {
            List<Map.Entry<String, Claim>> claims = overlapping(mine, dirs);
            claims.addAll(overlapping(mine, baseDirs));
            for (Map.Entry<String, Claim> e : claims) {
                Claim cl = e.getValue();
                if (cl.owner() == c) continue;
                found.add(new String[] {cl.owner().name(), cl.base()
                        ? "its directory " + mine + " overlaps " + e.getKey() + ", a base of " + who(cl.owner())
                        : "its directory " + mine + " overlaps " + e.getKey() + " of " + who(cl.owner())});
            }
        }
        found.addAll(baseFindings(c));
        return sorted(found);
    }

    /** Why {@code c}'s bases reach into the directories of a claimed child (empty if they do not). */
    public List<String> bases(ContainerConfig c) {
        return sorted(baseFindings(c));
    }

    private List<String[]> baseFindings(ContainerConfig c) {
        List<String[]> found = new ArrayList<>();
        for (String base : c.lowerDirs()) {
            for (Map.Entry<String, Claim> e : overlapping(base, dirs)) { // a base may be shared; it may not reach into a child's own
                Claim cl = e.getValue();
                if (cl.owner() == c) continue;
                found.add(new String[] {cl.owner().name(), "its base " + base + " overlaps " + e.getKey() + " of " + who(cl.owner())});
            }
        }
        return found;
    }

    /** Every claim in {@code dirs} on {@code path}, on a directory above it, or on one below it. */
    private static List<Map.Entry<String, Claim>> overlapping(String path, TreeMap<String, List<Claim>> dirs) {
        List<Map.Entry<String, Claim>> out = new ArrayList<>();
        for (String a = path; a != null; a = parent(a)) {
            List<Claim> at = dirs.get(a);
            if (at != null) for (Claim cl : at) out.add(Map.entry(a, cl));
        }
        String prefix = path.equals("/") ? "/" : path + "/";
        NavigableMap<String, List<Claim>> below = dirs.subMap(prefix, !path.equals("/"), prefix.substring(0, prefix.length() - 1) + "0", false);
        below.forEach((p, list) -> list.forEach(cl -> out.add(Map.entry(p, cl))));
        return out;
    }

    private static String parent(String p) {
        if (p.equals("/")) return null;
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private static String who(ContainerConfig o) {
        return "container " + o.name() + " (" + o.file() + ")";
    }

    private static List<String> sorted(List<String[]> found) {
        found.sort((x, y) -> x[0].compareTo(y[0]));
        return found.stream().map(f -> f[1]).distinct().toList();
    }

    /** One-off use (create): why {@code c} collides with any of {@code others}. */
    public static List<String> against(ContainerConfig c, List<ContainerConfig> others) {
        return of(others, true).against(c);
    }
}
