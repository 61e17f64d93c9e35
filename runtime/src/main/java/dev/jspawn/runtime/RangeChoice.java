package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ContainerConfig.PrivateUsers;
import dev.jspawn.config.SearchPath;
import dev.jspawn.images.Node;
import dev.jspawn.images.UidRanges;

/**
 * Decides which UID range a child runs in, and tells which one it has.
 *
 * <p>The owner of its upper dir's root is the record; at its first start it gets one, declared or
 * picked, that nothing else has taken (other children, host users and groups, /etc/subuid and
 * /etc/subgid, stock nspawn containers). The arithmetic of ranges is {@link UidRanges}'.
 */
public final class RangeChoice {

    private RangeChoice() {
    }

    /** What a child runs with: host root (start 0, no user namespace) or its range, and why, for the log. */
    public record Decision(long start, boolean create, String note) {
        boolean userNamespace() {
            return start > 0;
        }

        String nspawnArgument() {
            return userNamespace() ? start + ":" + UidRanges.SIZE : "no";
        }
    }

    /**
     * Decides from the configured mode and the upper dir's owner (empty: no upper dir yet). Pure.
     *
     * @param taken what else uses IDs, consulted only when a range is to be picked or a fixed one claimed
     */
    public static Decision decide(String container, String machine, PrivateUsers mode, Optional<Node> upper, List<UidRanges.Use> taken) {
        if (upper.isPresent() && upper.get().type() != Node.Type.DIRECTORY) {
            throw new UserError(upper.get().path() + " is not a directory; move it away");
        }
        Optional<Long> owner = upper.map(u -> {
            if (u.uid() == 0 && u.gid() == 0) return 0L;
            if (u.rangeStart() > 0) return u.rangeStart();
            throw new UserError(u.path() + " is owned by " + u.uid() + ":" + u.gid() + ", which is neither root nor the start of a"
                    + " UID range; jspawn cannot tell which range its files belong to");
        });
        String convert = "convert it with: jspawn convert-userns " + container;
        switch (mode.mode()) {
            case NO -> {
                if (owner.isPresent() && owner.get() != 0) {
                    throw new UserError("PrivateUsers=no, but " + upper.get().path() + " belongs to the UID range " + owner.get()
                            + " (the guest's files are owned by that range): remove PrivateUsers=no, or set PrivateUsers=" + owner.get());
                }
                return new Decision(0, owner.isEmpty(), "PrivateUsers=no: the guest's root is host root");
            }
            case FIXED -> {
                long want = mode.start();
                if (owner.isPresent() && owner.get() == 0) {
                    throw new UserError(upper.get().path() + " is owned by root: the child was made without a user namespace; "
                            + convert + " (or set PrivateUsers=no)");
                }
                if (owner.isPresent() && owner.get() != want) {
                    throw new UserError("PrivateUsers=" + want + ", but " + upper.get().path() + " belongs to the range " + owner.get()
                            + "; set PrivateUsers=" + owner.get() + " (or pick)");
                }
                if (owner.isEmpty()) {
                    UidRanges.conflict(want, taken).ifPresent(u -> {
                        throw new UserError("PrivateUsers=" + want + ": the range " + want + "-" + (want + UidRanges.SIZE - 1)
                                + " overlaps " + u.what());
                    });
                }
                return new Decision(want, owner.isEmpty(), "UID range " + want + " (PrivateUsers=" + want + ")");
            }
            default -> {
                if (owner.isPresent() && owner.get() == 0) {
                    return new Decision(0, false, "WARNING: " + container + " runs WITHOUT a user namespace: its guest root is host root, because "
                            + upper.get().path() + " is owned by root (made before jspawn used user namespaces); " + convert);
                }
                if (owner.isPresent()) return new Decision(owner.get(), false, "UID range " + owner.get());
                long picked = UidRanges.pick(machine, c -> UidRanges.conflict(c, taken).isEmpty());
                return new Decision(picked, true, "picked UID range " + picked + " for machine " + machine);
            }
        }
    }

    /** Every ID use but this child's own: the host's, and each other configured child's range (recorded or declared). */
    public static List<UidRanges.Use> taken(SearchPath searchPath, String ownUpper) throws IOException {
        List<UidRanges.Use> uses = new ArrayList<>(UidRanges.hostUses(Path.of("/")));
        Bases bases = Bases.load(searchPath);
        for (ConfigSource s : searchPath.scan().sources()) {
            Optional<ContainerConfig> c = ConfigLoader.load(s, bases).config();
            if (c.isEmpty() || c.get().upperDir().equals(ownUpper)) continue;
            of(c.get()).ifPresent(start -> uses.add(new UidRanges.Use(start, UidRanges.SIZE, "the range of container " + s.name())));
        }
        return uses;
    }

    /** A child's range: the owner of its upper dir if that is a range, else the one it declares; empty for host root or none yet. */
    static Optional<Long> of(ContainerConfig c) throws IOException {
        return of(c, Node.stat(Path.of(c.upperDir())));
    }

    /** As {@link #of(ContainerConfig)}, given the upper dir's root as already read; Node.rangeStart is the one rule for the record. */
    private static Optional<Long> of(ContainerConfig c, Optional<Node> upper) {
        if (upper.isPresent() && upper.get().rangeStart() > 0) return Optional.of(upper.get().rangeStart());
        if (upper.isEmpty() && c.privateUsers().mode() == PrivateUsers.Mode.FIXED) return Optional.of(c.privateUsers().start());
        return Optional.empty();
    }

    /** For list: the range's start, "host-root" for a child without one, "-" before the first start. */
    public static String brief(ContainerConfig c) throws IOException {
        Optional<Node> upper = Node.stat(Path.of(c.upperDir()));
        Optional<Long> r = of(c, upper);
        if (r.isPresent()) return Long.toString(r.get());
        return upper.isPresent() || c.privateUsers().mode() == PrivateUsers.Mode.NO ? "host-root" : "-";
    }

    /** A child that runs without a user namespace although its file asks for one: made before jspawn used them. */
    public static boolean unconverted(ContainerConfig c) throws IOException {
        if (c.privateUsers().mode() == PrivateUsers.Mode.NO) return false;
        Optional<Node> upper = Node.stat(Path.of(c.upperDir()));
        return upper.isPresent() && upper.get().type() == Node.Type.DIRECTORY && upper.get().uid() == 0;
    }

    /** For list and status: "65536-131071", "none (host root)", or "pick (at first start)". */
    public static String describe(ContainerConfig c) throws IOException {
        Optional<Node> upper = Node.stat(Path.of(c.upperDir()));
        Optional<Long> r = of(c, upper);
        if (r.isPresent()) return r.get() + "-" + (r.get() + UidRanges.SIZE - 1);
        if (c.privateUsers().mode() == PrivateUsers.Mode.NO) return "none (PrivateUsers=no: guest root is host root)";
        if (upper.isPresent()) return "none: made before user namespaces, guest root is host root (jspawn convert-userns " + c.name() + ")";
        return "picked at first start";
    }
}
