package dev.jspawn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What every integration test needs first: root, the build and test dependencies, and the Debian
 * base the guests boot, made by jspawn itself (base create: debootstrap from the host's apt
 * mirror) once, outside the repository, and shared (scripts/demo uses it too).
 */
final class TestBase {

    static final String CACHE = System.getenv().getOrDefault("JSPAWN_TEST_CACHE", "/var/cache/jspawn-tests");
    /** Its name changes with what base create does (-2: no identity of its own, systemd-networkd, a root password). */
    static final String NAME = "debian-base-2";
    /** The base's root password (base create --root-password-file), for machinectl login. */
    static final String ROOT_PASSWORD = "jspawn-test-root";

    private TestBase() {
    }

    /** The base's directory (its current version), made first if it is not there yet. */
    static synchronized String path(Path src, Path state) {
        String uid = Sandbox.exec(List.of("id", "-u"), Duration.ofSeconds(5)).out().strip();
        assertEquals("0", uid, "the integration tests boot systemd in namespaces and need root: run 'sudo ./mvnw verify' "
                + "(or './mvnw test' for the unit tests alone)");
        Sandbox.exec(List.of(src.resolve("scripts/deps").toString()), Duration.ofMinutes(5)).ok();
        Path base = Path.of(CACHE, NAME);
        try {
            if (!Files.exists(base)) {
                Path password = state.resolveSibling("root-password");
                Files.createDirectories(password.getParent());
                Files.writeString(password, ROOT_PASSWORD + "\n");
                String java = ProcessHandle.current().info().command().orElse("java");
                Sandbox.exec(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.jspawn.cli.Main", "base", "create",
                        "--image-root", CACHE, "--root-password-file", password.toString(), NAME), Duration.ofMinutes(15)).ok();
            }
            return base.toRealPath().toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
