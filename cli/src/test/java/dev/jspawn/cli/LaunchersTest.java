package dev.jspawn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers in units/, installed as scripts/install and the package install them (@VERSION@ replaced by the
 * version of the jars installed with them), run with a stand-in java first on PATH that prints its arguments:
 * which class path each would start.
 */
class LaunchersTest {

    @TempDir
    Path tmp;

    /** How a launch went: its exit status, the arguments java was given, and what the launcher said on stderr. */
    record Run(int status, List<String> args, String stderr) {
        String classPath() {
            return args.get(args.indexOf("-cp") + 1);
        }
    }

    Run launch(String launcher, String version, Path lib) throws IOException, InterruptedException {
        return launch(launcher, version, lib, null);
    }

    /** With {@code javaHome}, java is javaHome/bin/java, given as build-archives gives its JVM (JSPAWN_JAVA). */
    Run launch(String launcher, String version, Path lib, Path javaHome) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(javaHome == null ? tmp.resolve("bin") : javaHome.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path installed = tmp.resolve(launcher);
        Files.writeString(installed, Files.readString(Path.of("../units", launcher)).replace("@VERSION@", version));
        ProcessBuilder pb = new ProcessBuilder("sh", installed.toString(), "a", "b");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("JSPAWN_LIB", lib.toString());
        pb.environment().put("JSPAWN_CDS", tmp.resolve("no-cache").toString());
        pb.environment().remove("JSPAWN_JVM_TRAIN");
        if (javaHome == null) pb.environment().remove("JSPAWN_JAVA");
        else pb.environment().put("JSPAWN_JAVA", java.toString());
        pb.redirectError(tmp.resolve("stderr").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        return new Run(status, out.lines().toList(), Files.readString(tmp.resolve("stderr")));
    }

    /** A lib dir holding the jars of jspawn 0.9.0 and of 0.10.0 (left there by hand, say): 0.10.0 sorts first. */
    Path twoVersions() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        for (String v : List.of("0.9.0", "0.10.0")) {
            for (String a : List.of("cli", "generator", "images", "machined-client", "runtime")) Files.createFile(lib.resolve("jspawn-" + a + "-" + v + ".jar"));
        }
        Files.createFile(lib.resolve("ini4j-0.5.4.jar"));
        Files.createFile(lib.resolve("picocli-4.7.6.jar"));
        return lib;
    }

    @ParameterizedTest
    @CsvSource({"jspawn-generator.sh, jspawn-generator, dev.jspawn.generator.GeneratorMain", "jspawn.sh, jspawn-cli, dev.jspawn.cli.Main",
            "jspawn-helper.sh, jspawn-cli, dev.jspawn.runtime.HelperMain"})
    void eachLauncherRunsTheJarOfItsOwnVersionWhateverElseLibHolds(String launcher, String jar, String main) throws Exception {
        Path lib = twoVersions();
        for (String v : List.of("0.10.0", "0.9.0")) {
            Run r = launch(launcher, v, lib);
            assertEquals(0, r.status(), r.stderr());
            // Its jar names the others it needs, with their versions, in its manifest's Class-Path (see the poms).
            assertEquals(lib.resolve(jar + "-" + v + ".jar").toString(), r.classPath(), launcher + " installed with " + v + ": " + r.args());
            assertEquals(List.of(main, "a", "b"), r.args().subList(r.args().size() - 3, r.args().size()), "its arguments passed on");
        }
    }

    /**
     * JNA needs --enable-native-access to stay quiet from Java 24 on; before that the option only costs (on Java 17 it
     * turns off the JDK class archive's module graph). A JVM whose release file is not beside it gets the option.
     */
    @ParameterizedTest
    @CsvSource({"jspawn.sh, 17.0.15, false", "jspawn.sh, 21.0.5, false", "jspawn.sh, 23.0.2, false", "jspawn.sh, 24.0.1, true",
            "jspawn.sh, 25.0.1, true", "jspawn.sh, , true", "jspawn-helper.sh, 17.0.15, false", "jspawn-helper.sh, 25.0.1, true",
            "jspawn-helper.sh, , true", "jspawn-generator.sh, 25.0.1, false", "jspawn-generator.sh, , false"})
    void nativeAccessIsAskedForWhereTheJvmWantsIt(String launcher, String javaVersion, boolean expected) throws Exception {
        Path home = null;
        if (javaVersion != null) {
            home = Files.createDirectories(tmp.resolve("jvm-" + javaVersion));
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"" + javaVersion + "\"\nLIBC=\"gnu\"\n");
        }
        Run r = launch(launcher, "0.9.0", twoVersions(), home);
        assertEquals(0, r.status(), r.stderr());
        assertEquals(expected, r.args().contains("--enable-native-access=ALL-UNNAMED"), launcher + " on " + javaVersion + ": " + r.args());
    }

    @Test
    void aLauncherWhoseJarIsMissingSaysSo() throws Exception {
        Path lib = Files.createDirectories(tmp.resolve("empty-lib"));
        Run r = launch("jspawn-generator.sh", "0.9.0", lib);
        assertEquals(1, r.status());
        assertEquals(List.of(), r.args(), "java is not started");
        assertTrue(r.stderr().contains(lib.resolve("jspawn-generator-0.9.0.jar") + " is missing"), r.stderr());
    }
}
