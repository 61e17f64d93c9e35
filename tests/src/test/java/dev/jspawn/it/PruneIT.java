package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jspawn.images.Prune;

/**
 * Prune against the real overlayfs, as root: on random trees holding every kind of entry and
 * owner, the merged view a real overlay mount shows must be the same before and after a prune,
 * every planted identical copy must be gone and every change kept; with a backup dir, the base's
 * version must show and the backup hold the child's. And a prune killed with SIGKILL at random
 * points, then run again, must end exactly where an uninterrupted one does.
 */
class PruneIT {

    static final Path WORK = Path.of(System.getProperty("jspawn.state", "target/sandbox")).toAbsolutePath().resolveSibling("prune-it");
    static final List<String> DIRS = List.of("etc", "etc/app", "usr", "usr/lib", "srv", "srv/www", "var");
    static final int[][] OWNERS = {{0, 0}, {1000, 1000}, {65534, 65534}};
    static final int[] MODES = {0644, 0600, 0755, 04755};

    /** One random case: base, upper, and what the test planted. */
    record Case(Path base, Path upper, Path work, Path backup, List<String> identical, List<String> changed, List<String> kept) {
    }

    @BeforeAll
    static void clean() throws IOException {
        assertEquals("0", Sandbox.exec(List.of("id", "-u"), Duration.ofSeconds(5)).out().strip(), "PruneIT needs root: run sudo ./mvnw verify");
        delete(WORK);
        Files.createDirectories(WORK);
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }

    static Path mkdirs(Path root, String rel) throws IOException {
        Path d = root.resolve(rel);
        Files.createDirectories(d);
        return d;
    }

    /** An entry of kind k at p, from the random stream (same seed, same entry). */
    static void entry(Path p, int kind, Random r) throws IOException {
        int[] owner = OWNERS[r.nextInt(OWNERS.length)];
        switch (kind) {
            case 0, 1, 2, 3, 4, 5 -> {
                byte[] data = new byte[r.nextInt(3000)];
                r.nextBytes(data);
                Files.write(p, data);
                Trees.mode(p, MODES[r.nextInt(MODES.length)]);
                if (kind == 5) dev.jspawn.images.Xattrs.set(p, "user.tag", ("v" + r.nextInt(3)).getBytes(StandardCharsets.UTF_8));
            }
            case 6 -> Files.createSymbolicLink(p, Path.of(r.nextBoolean() ? "/usr/lib/x" + r.nextInt(3) : "../f0"));
            case 7 -> Trees.fifo(p, 0644);
            default -> Trees.charDevice(p, 1, r.nextBoolean() ? 3 : 5, 0666);
        }
        Trees.owner(p, owner[0], owner[1]);
    }

    static Case build(Path dir, long seed) throws IOException {
        Random r = new Random(seed);
        Path base = mkdirs(dir, "base"), upper = mkdirs(dir, "upper"), work = mkdirs(dir, "work");
        List<String> identical = new ArrayList<>(), changed = new ArrayList<>(), kept = new ArrayList<>();
        boolean opaqueWww = r.nextBoolean();
        for (String d : DIRS) {
            mkdirs(base, d);
            for (int i = 0; i < 6; i++) {
                String rel = d + "/f" + i;
                int kind = r.nextInt(10);
                long entrySeed = r.nextLong();
                entry(base.resolve(rel), kind, new Random(entrySeed));
                int op = r.nextInt(10);
                boolean underOpaque = opaqueWww && d.startsWith("srv/www");
                if (op < 4 || underOpaque) { // an identical copy, as a copy-up that changed nothing leaves
                    mkdirs(upper, d);
                    entry(upper.resolve(rel), kind, new Random(entrySeed));
                    (underOpaque ? kept : identical).add(rel);
                } else if (op < 6) { // changed: content, mode, owner or an xattr
                    mkdirs(upper, d);
                    entry(upper.resolve(rel), kind, new Random(entrySeed));
                    Path u = upper.resolve(rel);
                    switch (r.nextInt(3)) {
                        case 0 -> {
                            if (Files.isRegularFile(u, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.writeString(u, "changed by the child " + seed);
                            else Trees.owner(u, 4242, 4242);
                        }
                        case 1 -> Trees.owner(u, 4242, 4242);
                        // trusted.*: user.* xattrs exist only on files and directories
                        default -> dev.jspawn.images.Xattrs.set(u, "trusted.changed", "yes".getBytes(StandardCharsets.UTF_8));
                    }
                    changed.add(rel);
                } else if (op < 7) { // deleted in the child
                    mkdirs(upper, d);
                    Trees.whiteout(upper.resolve(rel));
                    kept.add(rel);
                }
            }
        }
        if (opaqueWww && Files.isDirectory(upper.resolve("srv/www"))) Trees.opaque(upper.resolve("srv/www"));
        Files.writeString(mkdirs(upper, "root").resolve("own"), "made by the child");
        kept.add("root/own");
        if (Files.isDirectory(upper.resolve("etc"))) { // an identical copy that is hard-linked: kept
            Files.writeString(base.resolve("etc/linked"), "same");
            Files.writeString(upper.resolve("etc/linked"), "same");
            Files.createLink(upper.resolve("etc/linked-too"), upper.resolve("etc/linked"));
            kept.add("etc/linked");
        }
        return new Case(base, upper, work, dir.resolve("backup"), identical, changed, kept);
    }

    /** The merged views of real overlay mounts of each case, listed inside a private mount namespace. */
    static List<List<String>> merged(List<Case> cases) throws IOException {
        StringBuilder script = new StringBuilder("set -e\n");
        List<String> mounts = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Path m = mkdirs(WORK, "mnt/" + i);
            delete(c.work());
            Files.createDirectories(c.work());
            script.append("mount -t overlay overlay -o lowerdir=").append(c.base()).append(",upperdir=").append(c.upper())
                    .append(",workdir=").append(c.work()).append(' ').append(m).append('\n');
            mounts.add(m.toString());
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        script.append("exec ").append(java).append(" -cp ").append(System.getProperty("java.class.path")).append(" dev.jspawn.it.Trees ")
                .append(String.join(" ", mounts)).append('\n');
        Sandbox.Result r = Sandbox.exec(List.of("unshare", "--mount", "--propagation", "private", "bash", "-c", script.toString()),
                Duration.ofMinutes(2)).ok();
        List<List<String>> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (line.startsWith("== ")) out.add(new ArrayList<>());
            else out.get(out.size() - 1).add(line);
        }
        assertEquals(cases.size(), out.size());
        return out;
    }

    static Map<String, String> byPath(List<String> manifest) {
        Map<String, String> m = new HashMap<>();
        for (String line : manifest) m.put(line.substring(0, line.indexOf('|')), line);
        return m;
    }

    @Test
    void onRandomTreesTheMergedViewIsUnchangedIdenticalCopiesGoAndChangesStay() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (int seed = 1; seed <= 24; seed++) cases.add(build(mkdirs(WORK, "prop/" + seed), seed));
        List<List<String>> before = merged(cases);
        List<Map<String, String>> upperBefore = new ArrayList<>();
        int identical = 0;
        for (Case c : cases) {
            upperBefore.add(byPath(Trees.manifest(c.upper())));
            new Prune(c.upper(), List.of(c.base()), false, null, a -> { }).run();
            identical += c.identical().size();
        }
        List<List<String>> after = merged(cases);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            assertEquals(before.get(i), after.get(i), "case " + (i + 1) + ": the merged view changed");
            Map<String, String> upperAfter = byPath(Trees.manifest(c.upper()));
            for (String rel : c.identical()) assertFalse(upperAfter.containsKey(rel), "case " + (i + 1) + ": identical copy " + rel + " was left");
            for (String rel : c.changed()) assertEquals(upperBefore.get(i).get(rel), upperAfter.get(rel), "case " + (i + 1) + ": change " + rel);
            for (String rel : c.kept()) assertEquals(upperBefore.get(i).get(rel), upperAfter.get(rel), "case " + (i + 1) + ": " + rel + " must stay");
        }
        assertTrue(identical > 100, "the random trees planted too few identical copies to mean much: " + identical);
    }

    @Test
    void withABackupDirTheBaseShowsAndTheBackupHoldsTheChildsVersions() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (int seed = 101; seed <= 112; seed++) cases.add(build(mkdirs(WORK, "prefer/" + seed), seed));
        List<List<String>> before = merged(cases);
        List<Map<String, String>> upperBefore = new ArrayList<>();
        for (Case c : cases) {
            upperBefore.add(byPath(Trees.manifest(c.upper())));
            new Prune(c.upper(), List.of(c.base()), false, c.backup(), a -> { }).run();
        }
        List<List<String>> after = merged(cases);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Map<String, String> baseLines = byPath(Trees.manifest(c.base()));
            Map<String, String> expected = byPath(before.get(i));
            for (String rel : c.changed()) expected.put(rel, baseLines.get(rel));
            assertEquals(expected, byPath(after.get(i)), "case " + (i + 1) + ": the merged view should show the base for changed files only");
            Map<String, String> backup = c.changed().isEmpty() ? Map.of() : byPath(Trees.manifest(c.backup()));
            for (String rel : c.changed()) assertEquals(upperBefore.get(i).get(rel), backup.get(rel), "case " + (i + 1) + ": backup of " + rel);
        }
    }

    @Test
    void aPruneKilledAtRandomPointsEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path template = mkdirs(WORK, "crash/template");
        bigTree(template, 7);
        Path reference = copy(template, "reference");
        new Prune(reference.resolve("upper"), List.of(reference.resolve("base")), false, reference.resolve("backup"), a -> { }).run();
        List<String> referenceUpper = Trees.manifest(reference.resolve("upper"));
        List<String> referenceBackup = Trees.manifest(reference.resolve("backup"));

        // How long one whole run takes, JVM start included, so that the kills land inside it.
        Path calibration = copy(template, "calibration");
        long t0 = System.nanoTime();
        assertEquals(0, pruneDirs(calibration).waitFor());
        long total = (System.nanoTime() - t0) / 1_000_000;

        Random r = new Random(42);
        int initial = count(template.resolve("upper")), done = referenceUpper.size();
        List<String> trials = new ArrayList<>();
        int midway = 0;
        // Each trial kills a fresh copy at a random point of a whole run. A run that finishes before its
        // kill tells exactly how long a whole run takes now (the machine may be busy), and the next kill
        // aims within that; trials go on until three kills have landed mid-run.
        for (int trial = 0; trial < 12 && midway < 3; trial++) {
            Path victim = copy(template, "victim" + trial);
            long at = (long) (total * (0.25 + 0.65 * r.nextDouble()));
            long start = System.nanoTime();
            Process p = pruneDirs(victim);
            boolean finished = p.waitFor(at, TimeUnit.MILLISECONDS);
            if (finished) {
                total = (System.nanoTime() - start) / 1_000_000;
            } else {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
            }
            int left = count(victim.resolve("upper"));
            trials.add((finished ? "finished before " : "killed at ") + at + " ms: " + left + " entries left");
            if (!finished && left < initial && left > done) midway++;
            assertEquals(0, pruneDirs(victim).waitFor(), "the run after the kill completes");
            assertEquals(referenceUpper, Trees.manifest(victim.resolve("upper")), "upper dir after " + trials.get(trial));
            assertEquals(referenceBackup, Trees.manifest(victim.resolve("backup")), "backups after " + trials.get(trial) + ": nothing lost or doubled");
            delete(victim);
        }
        assertTrue(midway >= 3, "too few kills landed in the middle of a prune (" + trials + "; whole run " + total + " ms)");
    }

    static Path copy(Path template, String name) {
        Path to = template.resolveSibling(name);
        Sandbox.exec(List.of("cp", "-a", template.toString(), to.toString()), Duration.ofMinutes(2)).ok();
        return to;
    }

    Process pruneDirs(Path dir) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.jspawn.cli.Main", "prune-dirs",
                "--backup=" + dir.resolve("backup"), dir.resolve("upper").toString(), dir.resolve("base").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** 100 dirs x 150 files in the base; the upper holds identical copies, changes and own files. */
    static void bigTree(Path dir, long seed) throws IOException {
        Random r = new Random(seed);
        Path base = mkdirs(dir, "base"), upper = mkdirs(dir, "upper");
        for (int d = 0; d < 100; d++) {
            mkdirs(base, "d" + d);
            mkdirs(upper, "d" + d);
            for (int f = 0; f < 150; f++) {
                byte[] data = new byte[r.nextInt(2000)];
                r.nextBytes(data);
                Files.write(base.resolve("d" + d + "/f" + f), data);
                int op = r.nextInt(10);
                if (op < 8) Files.write(upper.resolve("d" + d + "/f" + f), data);
                else if (op < 9) Files.writeString(upper.resolve("d" + d + "/f" + f), "changed " + d + "/" + f);
                else Files.writeString(upper.resolve("d" + d + "/own" + f), "own");
            }
        }
    }

    static int count(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return (int) s.count();
        }
    }
}
