package dev.jspawn.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command of a pulled image, for a child with Boot=no and no Parameters= (an application container):
 * the image config's Entrypoint and Cmd, with its Env, WorkingDir and User, as a systemd.nspawn(5) file's
 * [Exec] section, which is what {@code importctl pull-oci} writes for an OCI image. The helper writes it
 * into the child's run-time dir at each mount; jspawn@'s start puts it where systemd-nspawn reads it.
 *
 * <p>The config comes from a registry: it is hostile input, and every value is checked before it is
 * written, so that none can add a line or a key to the file (a Bind= there would be honoured, as the file
 * is in a trusted place): no control characters, no quote and no backslash; each word is quoted.
 */
public final class ImageCommand {

    /** Where the helper writes it, in the child's run-time dir; beside it, why not, when the image's config cannot be used. */
    public static final String FILE = "image.nspawn", ERROR = "image.error";
    /** Its first line, by which jspawn's own copy in /run/systemd/nspawn is told from an admin's. */
    public static final String HEADER = "# Written by jspawn";

    private ImageCommand() {
    }

    /**
     * Writes (or, for a base that is no pulled image, removes) the image's command for the child whose run-time dir is
     * {@code runDir}, from {@code version}, the version of its topmost base that it mounts.
     */
    public static void write(Path runDir, String base, Path version) throws IOException {
        Path file = runDir.resolve(FILE), error = runDir.resolve(ERROR);
        Files.deleteIfExists(file);
        Files.deleteIfExists(error);
        String label = BaseStore.VERSION.matcher(version.getFileName().toString()).matches() ? version.getFileName().toString() : "a plain directory";
        Path config = version.resolve(OciImage.CONFIG_FILE);
        if (!Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS)) {
            Files.writeString(error, "base " + base + " (" + label + ") is no pulled image: it has no image config to take a command from\n");
            return;
        }
        try {
            String text = settings(OciImage.runConfig(Files.readAllBytes(config)), base + " " + label);
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (Invalid e) {
            Files.writeString(error, "the image config of base " + base + " (" + label + ") cannot be used: " + e.getMessage() + "\n");
        }
    }

    /** A value of the image's config that the file could not hold safely, or no command at all. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /** The [Exec] section for {@code run}; {@code from} says where it came from, in its header. */
    static String settings(OciImage.RunConfig run, String from) throws Invalid {
        List<String> argv = new ArrayList<>(run.entrypoint());
        argv.addAll(run.cmd());
        if (argv.isEmpty() || argv.get(0).isEmpty()) throw new Invalid("it has neither Entrypoint nor Cmd");
        StringBuilder b = new StringBuilder(HEADER).append(" from the image config of base ").append(from).append("\n[Exec]\nBoot=no\n");
        b.append("Parameters=");
        for (int i = 0; i < argv.size(); i++) b.append(i == 0 ? "" : " ").append(quoted(argv.get(i), "an argument"));
        b.append('\n');
        for (String env : run.env()) {
            int eq = env.indexOf('=');
            if (eq <= 0 || !env.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) throw new Invalid("Env " + printable(env) + " is not NAME=VALUE");
            b.append("Environment=").append(quoted(env, "Env")).append('\n');
        }
        if (!run.workingDir().isEmpty()) {
            if (!run.workingDir().startsWith("/")) throw new Invalid("WorkingDir " + printable(run.workingDir()) + " is not an absolute path");
            b.append("WorkingDirectory=").append(plain(run.workingDir(), "WorkingDir")).append('\n');
        }
        Optional<String> user = user(run.user());
        if (user.isPresent()) b.append("User=").append(plain(user.get(), "User")).append('\n');
        return b.toString();
    }

    /** The user to run as: nspawn's User= takes a name or a UID, not the group that an image's "user:group" adds. */
    static Optional<String> user(String user) {
        if (user.isEmpty()) return Optional.empty();
        int colon = user.indexOf(':');
        return Optional.of(colon < 0 ? user : user.substring(0, colon)).filter(u -> !u.isEmpty());
    }

    private static String quoted(String s, String what) throws Invalid {
        check(s, what);
        return "\"" + s + "\"";
    }

    private static String plain(String s, String what) throws Invalid {
        check(s, what);
        if (s.chars().anyMatch(Character::isWhitespace)) throw new Invalid(what + " " + printable(s) + " holds white space");
        return s;
    }

    private static void check(String s, String what) throws Invalid {
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '%') {
                throw new Invalid(what + " " + printable(s) + " holds a control character, a quote, a backslash or a '%'");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return b.append('"').toString();
    }
}
