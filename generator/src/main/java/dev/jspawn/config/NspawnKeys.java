package dev.jspawn.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * systemd.nspawn(5)'s keys (systemd 252) that jspawn passes to systemd-nspawn as one option each,
 * with the same names and meanings; and the ones that do not apply to an overlay child, with the
 * reason. The keys jspawn interprets itself (Boot=, Parameters=, PrivateUsers=, Bind=, the
 * network mode, ...) are in {@link KeyTable}, read by {@link ContainerConfigBuilder}. Each value
 * is checked here, so what reaches the command line is one well-formed option;
 * {@link dev.jspawn.generator.ExecLine} quotes it.
 */
public final class NspawnKeys {

    /** How the entries of a key become options. */
    enum Shape {
        /** The last assignment wins; yes adds the option, no nothing. */
        FLAG,
        /** The last assignment wins: {@code --option=VALUE}. */
        SCALAR,
        /** Every assignment counts (an empty one resets): one {@code --option=VALUE} each. */
        EACH,
        /** Every assignment counts: the words of all of them, comma-joined, in one option. */
        JOINED
    }

    interface Check {
        String apply(String value) throws Values.Invalid;
    }

    record Key(String section, String name, Shape shape, String option, Check check) {
        /** The words that pass {@code value}: {@code --name=value}, or a short option and its value as two words. */
        List<String> words(String value) {
            return option.startsWith("--") ? List.of(option + "=" + value) : List.of(option, value);
        }
    }

    /** By section, then key, in the order of systemd.nspawn(5). */
    static final Map<String, Key> KEYS = new LinkedHashMap<>();

    /** Keys of systemd.nspawn(5) that an overlay child cannot use, with why and what to use instead. */
    public static final Map<String, String> NOT_APPLICABLE = new LinkedHashMap<>();

    /**
     * The forms of values, compiled the first time a key that needs one is set: most files set none of these keys,
     * and compiling all of them was about 2% of a generator run.
     */
    private static final class Syntax {
        static final Pattern CAPABILITY = Pattern.compile("CAP_[A-Z_]+|all", Pattern.CASE_INSENSITIVE);
        static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");
        static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z0-9]+([+-][0-9]+)?|[0-9]{1,2}");
        static final Pattern RLIMIT = Pattern.compile("(infinity|[0-9]+[A-Za-z]{0,3})(:(infinity|[0-9]+[A-Za-z]{0,3}))?");
        static final Pattern SYSCALL = Pattern.compile("~?[@A-Za-z0-9_:-]+");
        static final Pattern TMPFS_OPTIONS = Pattern.compile("[A-Za-z0-9_=.+-]+(\\\\?,[A-Za-z0-9_=.+-]+)*");
    }

    static {
        add("Exec", "ProcessTwo", Shape.FLAG, "--as-pid2", NspawnKeys::yesNo);
        // -u: --user=USER up to systemd 260; from 261 on that is --uid=USER, and --user means the user's service manager.
        add("Exec", "User", Shape.SCALAR, "-u", NspawnKeys::user);
        add("Exec", "PivotRoot", Shape.SCALAR, "--pivot-root", v -> paths(v, 1, 2, false));
        add("Exec", "Capability", Shape.JOINED, "--capability", NspawnKeys::capabilities);
        add("Exec", "DropCapability", Shape.JOINED, "--drop-capability", NspawnKeys::capabilities);
        add("Exec", "AmbientCapability", Shape.JOINED, "--ambient-capability", NspawnKeys::capabilities);
        add("Exec", "NoNewPrivileges", Shape.SCALAR, "--no-new-privileges", NspawnKeys::yesNo);
        add("Exec", "KillSignal", Shape.SCALAR, "--kill-signal", v -> matching(v, Syntax.SIGNAL, "a signal name such as SIGRTMIN+3 or SIGTERM"));
        add("Exec", "Personality", Shape.SCALAR, "--personality", v -> oneOf(v, "x86", "x86-64", "arm", "arm64", "s390", "s390x", "ppc", "ppc64", "ppc64-le"));
        add("Exec", "SystemCallFilter", Shape.EACH, "--system-call-filter", NspawnKeys::syscalls);
        for (String r : List.of("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NOFILE", "AS", "NPROC", "MEMLOCK", "LOCKS", "SIGPENDING",
                "MSGQUEUE", "NICE", "RTPRIO", "RTTIME")) {
            add("Exec", "Limit" + r, Shape.SCALAR, "--rlimit", v -> "RLIMIT_" + r + "=" + matching(v, Syntax.RLIMIT, "a limit: a number, infinity, or SOFT:HARD"));
        }
        add("Exec", "OOMScoreAdjust", Shape.SCALAR, "--oom-score-adjust", v -> integer(v, -1000, 1000));
        add("Exec", "CPUAffinity", Shape.JOINED, "--cpu-affinity", NspawnKeys::cpus);
        add("Exec", "Hostname", Shape.SCALAR, "--hostname", NspawnKeys::hostname);
        add("Exec", "Timezone", Shape.SCALAR, "--timezone", v -> oneOf(v, "off", "copy", "bind", "symlink", "delete", "auto"));
        add("Exec", "SuppressSync", Shape.SCALAR, "--suppress-sync", NspawnKeys::yesNo);
        add("Files", "ReadOnly", Shape.FLAG, "--read-only", NspawnKeys::yesNo);
        add("Files", "Volatile", Shape.SCALAR, "--volatile", NspawnKeys::volatileMode);
        add("Files", "BindUser", Shape.EACH, "--bind-user", NspawnKeys::user);
        add("Files", "TemporaryFileSystem", Shape.EACH, "--tmpfs", NspawnKeys::tmpfs);
        add("Files", "Inaccessible", Shape.EACH, "--inaccessible", Values::path);
        add("Files", "Overlay", Shape.EACH, "--overlay", v -> paths(v, 2, 64, true));
        add("Files", "OverlayReadOnly", Shape.EACH, "--overlay-ro", v -> paths(v, 2, 64, true));
        add("Network", "VirtualEthernetExtra", Shape.EACH, "--network-veth-extra", v -> interfaces(v, 2));
        add("Network", "Interface", Shape.EACH, "--network-interface", v -> interfaces(v, 1));
        add("Network", "MACVLAN", Shape.EACH, "--network-macvlan", v -> interfaces(v, 1));
        add("Network", "IPVLAN", Shape.EACH, "--network-ipvlan", v -> interfaces(v, 1));

        NOT_APPLICABLE.put("Exec/Ephemeral", "the child is already a copy-on-write overlay of its base; nspawn would copy the whole tree"
                + " (to throw away what the guest writes at each stop, use Volatile=overlay)");
        NOT_APPLICABLE.put("Files/PrivateUsersOwnership", "jspawn idmaps the base layers for the child's range and never chowns:"
                + " ownership is always off (map fails on an overlay root, chown would copy the whole base up)");
        NOT_APPLICABLE.put("Files/PrivateUsersChown", "jspawn idmaps the base layers for the child's range and never chowns"
                + " (this older key is PrivateUsersOwnership=chown)");
    }

    private NspawnKeys() {
    }

    private static void add(String section, String name, Shape shape, String option, Check check) {
        KEYS.put(section + "/" + name, new Key(section, name, shape, option, check));
    }

    static Key key(String section, String name) {
        return KEYS.get(section + "/" + name);
    }

    /** Every key of this table in {@code section}. */
    static List<String> names(String section) {
        List<String> out = new ArrayList<>();
        for (Key k : KEYS.values()) if (k.section().equals(section)) out.add(k.name());
        return out;
    }

    static String yesNo(String v) throws Values.Invalid {
        return Values.bool(v) ? "yes" : "no";
    }

    static String matching(String v, Pattern p, String what) throws Values.Invalid {
        if (!p.matcher(v).matches()) throw new Values.Invalid("\"" + v + "\" is not " + what);
        return v;
    }

    static String oneOf(String v, String... allowed) throws Values.Invalid {
        for (String a : allowed) if (a.equals(v)) return v;
        throw new Values.Invalid("\"" + v + "\" is not one of " + String.join(", ", allowed));
    }

    static String integer(String v, long min, long max) throws Values.Invalid {
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) return Long.toString(n);
        } catch (NumberFormatException e) {
            // below
        }
        throw new Values.Invalid("\"" + v + "\" is not a whole number from " + min + " to " + max);
    }

    static String user(String v) throws Values.Invalid {
        return matching(v, Syntax.USER, "a user name (1 to 32 of A-Z a-z 0-9 _ . -)");
    }

    static String hostname(String v) throws Values.Invalid {
        var p = ContainerName.hostNameProblem("host name", v);
        if (p.isPresent()) throw new Values.Invalid(p.get());
        return v;
    }

    static String capabilities(String v) throws Values.Invalid {
        List<String> out = new ArrayList<>();
        for (String w : v.trim().split("[\\s,]+")) {
            if (w.isEmpty()) continue;
            matching(w, Syntax.CAPABILITY, "a capability name such as CAP_NET_ADMIN (or all)");
            out.add(w.toLowerCase(Locale.ROOT).equals("all") ? "all" : w.toUpperCase(Locale.ROOT));
        }
        return String.join(",", out);
    }

    static String syscalls(String v) throws Values.Invalid {
        List<String> out = new ArrayList<>();
        for (String w : v.trim().split("\\s+")) {
            if (!w.isEmpty()) out.add(matching(w, Syntax.SYSCALL, "a system call name or @group, optionally after ~"));
        }
        if (out.isEmpty()) throw new Values.Invalid("no system call given");
        return String.join(" ", out);
    }

    static String cpus(String v) throws Values.Invalid {
        List<String> out = new ArrayList<>();
        for (String w : v.trim().split("[\\s,]+")) {
            if (w.isEmpty()) continue;
            if (!w.matches("[0-9]{1,4}(-[0-9]{1,4})?")) throw new Values.Invalid("\"" + w + "\" is not a CPU index or range such as 0-3");
            out.add(w);
        }
        return String.join(",", out);
    }

    static String volatileMode(String v) throws Values.Invalid {
        if (v.equals("state") || v.equals("overlay")) return v;
        try {
            return yesNo(v);
        } catch (Values.Invalid e) {
            throw new Values.Invalid("\"" + v + "\" is not a boolean, state or overlay");
        }
    }

    /** PATH[:OPTIONS], the options as mount(8) takes them, with no character that could end the argument. */
    static String tmpfs(String v) throws Values.Invalid {
        int colon = v.indexOf(':');
        Values.path(colon < 0 ? v : v.substring(0, colon));
        if (colon >= 0) matching(v.substring(colon + 1), Syntax.TMPFS_OPTIONS, "a list of mount options such as mode=0755,size=64M");
        return v;
    }

    /** Colon-separated absolute paths (with {@code plus}, each may start with '+', relative to the guest's root). */
    static String paths(String v, int min, int max, boolean plus) throws Values.Invalid {
        String[] parts = v.split(":", -1);
        if (parts.length < min || parts.length > max) {
            throw new Values.Invalid("\"" + v + "\" needs " + (min == max ? min : min + " to " + max) + " colon-separated paths");
        }
        for (String p : parts) {
            if (plus && p.startsWith("+")) p = p.substring(1);
            if (plus && p.isEmpty()) continue; // an empty upper dir: a tmpfs, as nspawn has it
            Values.path(p);
        }
        return v;
    }

    static String interfaces(String v, int max) throws Values.Invalid {
        String[] parts = v.split(":", -1);
        if (parts.length > max) throw new Values.Invalid("\"" + v + "\" is not " + (max == 1 ? "an interface name" : "HOSTIF[:CONTAINERIF]"));
        for (String p : parts) Values.interfaceName(p, 15);
        return v;
    }

    /** Options the jspawn@ units set themselves: NspawnArgs= may not repeat or undo them. */
    public static final Set<String> RESERVED = Set.of("--directory", "--image", "--machine", "--register", "--keep-unit", "--settings",
            "--private-users", "--private-users-ownership", "--private-users-chown", "--uuid", "--boot", "--notify-ready", "--template",
            "--ephemeral", "--oci-bundle", "--quiet", "--link-journal", "--resolv-conf", "--network-veth", "--network-bridge",
            "--network-zone", "--private-network", "--port", "--bind", "--bind-ro", "--setenv", "--chdir", "--as-pid2", "--user", "--uid",
            "--capability", "--drop-capability", "--hostname", "--read-only", "--volatile", "--tmpfs", "--overlay", "--overlay-ro");

    /** Extra systemd-nspawn options as NspawnArgs= takes them: each {@code --name} or {@code --name=value}, none jspawn sets. */
    static List<String> extraArgs(String v) throws Values.Invalid {
        List<String> words = Values.words(v);
        for (String w : words) {
            int eq = w.indexOf('=');
            String name = eq < 0 ? w : w.substring(0, eq);
            if (!name.matches("--[a-z][a-z0-9-]*")) {
                throw new Values.Invalid("\"" + w + "\" is not an option of the form --name or --name=value"
                        + (w.startsWith("-") ? "" : " (write an option's value after '=')"));
            }
            if (RESERVED.contains(name)) {
                throw new Values.Invalid(name + " is set by jspawn or has a key of its own; see the key table in jspawn.jspawn(5)");
            }
        }
        return words;
    }
}
