package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.syntax.SystemdIniParser;
import dev.jspawn.syntax.UnitFile;

/**
 * The mount and automount must mean what the real systemd-fstab-generator makes of the how-to's
 * fstab line with nofail (so that a container's automount never fails the host's boot). This runs it
 * (it ships with systemd) and compares the settings that matter.
 */
class FstabEquivalenceTest {

    static final Path FSTAB_GENERATOR = Path.of("/lib/systemd/system-generators/systemd-fstab-generator");

    @TempDir
    Path tmp;

    /**
     * PrivateUsers=no: the how-to's fstab line, except that lowerdir names the base's view (a read-only clone of its
     * current version, or the overlay of a stacked version's layers), which jspawn-dirs@ mounts.
     */
    @Test
    void withoutAUserNamespaceTheSameButLowerdirNamesTheView() throws Exception {
        compare("PrivateUsers=no", "/run/jspawn/child_apache/lower/0");
    }

    /** The default: the same line, except that lowerdir names the base's view idmapped to the child's range (jspawn-dirs@ mounts it). */
    @Test
    void withAUserNamespaceTheSameButLowerdirNamesTheIdmappedView() throws Exception {
        compare("PrivateUsers=pick", "/run/jspawn/child_apache/lower/0");
    }

    private void compare(String privateUsers, String lowerdir) throws Exception {
        assertTrue(Files.isExecutable(FSTAB_GENERATOR), FSTAB_GENERATOR + " is part of systemd and must be installed");
        Path file = Path.of("/etc/jspawn/child_apache.jspawn");
        var parsed = SystemdIniParser.parse(file, ("[Container]\nBase=default-ns-1\nImageRoot=/srv/jspawn-images/caf\u00e9\n[Exec]\n"
                + privateUsers + "\n").getBytes(StandardCharsets.UTF_8));
        ContainerConfig c = ConfigLoader.load(new ConfigSource("child_apache", file, List.of()), List.of(parsed.unit()), Bases.none()).config().orElseThrow();
        GeneratedUnits ours = Converter.convert(c);

        String root = "/srv/jspawn-images/caf\u00e9";
        Files.writeString(tmp.resolve("fstab"), "overlay " + root + "/child_apache overlay noauto,nofail,x-systemd.automount,lowerdir=" + lowerdir
                + ",upperdir=" + root + "/child_apache_up,workdir=" + root + "/child_apache_work 0 0\n");
        Path out = Files.createDirectory(tmp.resolve("out"));
        ProcessBuilder pb = new ProcessBuilder(FSTAB_GENERATOR.toString(), out.toString(), out.toString(), out.toString()).redirectErrorStream(true);
        pb.environment().put("SYSTEMD_FSTAB", tmp.resolve("fstab").toString());
        pb.environment().put("SYSTEMD_PROC_CMDLINE", "");
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);

        String mount = "srv-jspawn\\x2dimages-caf\\xc3\\xa9-child_apache.mount";
        String automount = "srv-jspawn\\x2dimages-caf\\xc3\\xa9-child_apache.automount";
        UnitFile theirMount = SystemdIniParser.parse(out.resolve(mount)).unit();
        UnitFile theirAutomount = SystemdIniParser.parse(out.resolve(automount)).unit();
        UnitFile ourMount = unit(ours, mount);
        UnitFile ourAutomount = unit(ours, automount);
        for (String key : List.of("What", "Where", "Type", "Options")) {
            assertEquals(theirMount.values("Mount", key), ourMount.values("Mount", key), "[Mount] " + key);
        }
        // Neither is ordered before local-fs.target (a nofail mount is not); ours cannot be, since preparing it needs the
        // bus (after local-fs.target): that order would be a cycle at boot. Ours has no default dependencies at all.
        assertEquals(List.of(), theirMount.values("Unit", "Before"));
        assertEquals(List.of("umount.target"), ourMount.values("Unit", "Before"));
        assertEquals(List.of("no"), ourMount.values("Unit", "DefaultDependencies"));
        assertEquals(theirAutomount.values("Automount", "Where"), ourAutomount.values("Automount", "Where"));
        Path theirLink = out.resolve("local-fs.target.wants").resolve(automount);
        assertTrue(Files.isSymbolicLink(theirLink));
        assertTrue(ours.links().contains(new GeneratedUnits.Link("local-fs.target.wants/" + automount, "../" + automount)), ours.links().toString());
        assertTrue(Files.readSymbolicLink(theirLink).toString().endsWith("/" + automount));
        // Neither pulls the .mount itself in at boot, and neither requires anything of local-fs.target: only the automount is wanted.
        try (var s = Files.walk(out)) {
            assertTrue(s.noneMatch(x -> x.getParent().getFileName().toString().endsWith(".requires")
                    || (x.getParent().getFileName().toString().endsWith(".wants") && x.getFileName().toString().equals(mount))));
        }
        assertTrue(ours.links().stream().noneMatch(l -> l.path().contains(".requires/")), ours.links().toString());
        assertTrue(ours.links().stream().noneMatch(l -> l.path().endsWith(mount)));
    }

    private static UnitFile unit(GeneratedUnits units, String path) {
        return units.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow(() -> new AssertionError("no " + path)).unit();
    }
}
