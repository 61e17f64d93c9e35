package dev.jspawn.generator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.ContainerConfig.Bind;
import dev.jspawn.syntax.UnitFile;

/**
 * Converts one container's configuration into units. Pure: no I/O, no environment.
 *
 * <p>For a container NAME mounted at WHERE it makes what systemd-fstab-generator makes of the
 * how-to's fstab line {@code overlay WHERE overlay noauto,x-systemd.automount,lowerdir=…,upperdir=…,workdir=… 0 0}
 * (WHERE.mount, WHERE.automount and the local-fs.target.requires link), plus a drop-in for
 * {@code jspawn-dirs@NAME.service}, which creates the upper and work dirs before the mount, and a
 * drop-in for {@code jspawn@NAME.service} with the systemd-nspawn command line.
 */
public final class Converter {

    public static final String NSPAWN = "/usr/bin/systemd-nspawn";
    public static final String JSPAWN = "/usr/bin/jspawn";
    public static final String UMOUNT = "/usr/bin/umount";
    /** What the service reads, for PrivateUsers=pick: the range is known only once the upper dir exists. */
    public static final String NSPAWN_ENV = "nspawn.env";
    public static final String PRIVATE_USERS_VARIABLE = "JSPAWN_PRIVATE_USERS";
    public static final String DOCUMENTATION = "man:jspawn.jspawn(5)";
    public static final String DROP_IN = "50-jspawn.conf";

    private Converter() {
    }

    public static String serviceName(String container) {
        return "jspawn@" + container + ".service";
    }

    public static String dirsServiceName(String container) {
        return "jspawn-dirs@" + container + ".service";
    }

    public static String mountName(ContainerConfig c) {
        return UnitNames.fromPath(c.where(), ".mount");
    }

    public static GeneratedUnits convert(ContainerConfig c) {
        String mount = mountName(c);
        String automount = UnitNames.fromPath(c.where(), ".automount");
        String dirs = dirsServiceName(c.name());
        List<GeneratedUnits.File> files = new ArrayList<>();

        UnitFile m = origin(c, "Overlay of jspawn container " + c.name());
        m.add("Unit", "Before", "local-fs.target");
        m.add("Unit", "Requires", dirs);
        m.add("Unit", "After", dirs);
        m.add("Mount", "What", "overlay");
        m.add("Mount", "Where", c.where());
        m.add("Mount", "Type", "overlay");
        m.add("Mount", "Options", mountOptions(c));
        files.add(new GeneratedUnits.File(mount, m));

        UnitFile a = origin(c, "Automount of jspawn container " + c.name());
        a.add("Automount", "Where", c.where());
        files.add(new GeneratedUnits.File(automount, a));

        UnitFile d = dropIn(c);
        Set<String> dirsMountsFor = new LinkedHashSet<>(List.of(c.upperDir(), c.workDir()));
        dirsMountsFor.addAll(c.lowerDirs());
        d.add("Unit", "RequiresMountsFor", String.join(" ", dirsMountsFor));
        d.add("Service", "ExecStart", "");
        d.add("Service", "ExecStart", mountLayers(c).toString());
        if (c.privateUsers().mode() != ContainerConfig.PrivateUsers.Mode.NO) {
            // util-linux's umount, not a JVM: a restart that follows at once must not wait for this.
            d.add("Service", "ExecStop", new ExecLine("-" + UMOUNT).arg("--lazy").args(c.layerDirs()).toString());
        }
        files.add(new GeneratedUnits.File(dirs + ".d/" + DROP_IN, d));

        UnitFile s = dropIn(c);
        Set<String> mountsFor = new LinkedHashSet<>();
        mountsFor.add(c.where());
        for (Bind b : c.binds()) mountsFor.add(b.source());
        s.add("Unit", "RequiresMountsFor", String.join(" ", mountsFor));
        if (c.privateUsers().mode() == ContainerConfig.PrivateUsers.Mode.PICK) {
            // Optional, so that a missing file gets the message below rather than systemd's bare "resources".
            String env = c.runDir() + "/" + NSPAWN_ENV;
            s.add("Service", "EnvironmentFile", "-" + env);
            s.add("Service", "ExecStartPre", new ExecLine("/bin/sh").arg("-c").arg("test -f \"$1\" || { echo \"$2: its overlay "
                    + "was mounted before its settings changed (no $1); stop it and its mount, then start it again: systemctl stop $3 $4\" >&2;"
                    + " exit 1; }").arg("sh").arg(env).arg(c.name()).arg(serviceName(c.name())).arg(mountName(c)).toString());
        }
        s.add("Service", "ExecStart", "");
        s.add("Service", "ExecStart", nspawn(c).toString());
        s.add("Service", "ExecStartPost", new ExecLine(JSPAWN).arg("register").arg("--directory=" + c.where())
                .arg(c.machineName()).raw("${MAINPID}").toString());
        s.add("Service", "ExecStopPost", new ExecLine("-" + JSPAWN).arg("unregister").arg("--unit=" + serviceName(c.name()))
                .arg(c.machineName()).toString());
        files.add(new GeneratedUnits.File(serviceName(c.name()) + ".d/" + DROP_IN, s));

        List<GeneratedUnits.Link> links = List.of(
                new GeneratedUnits.Link("local-fs.target.requires/" + automount, "../" + automount));
        return new GeneratedUnits(files, links);
    }

    /**
     * The whole option string, as systemd-fstab-generator keeps it from the fstab line; lowerdir names
     * the layers' views that jspawn-dirs@ mounts (idmapped to the child's range), or with PrivateUsers=no
     * the bases themselves, exactly as the how-to's line does.
     */
    static String mountOptions(ContainerConfig c) {
        return "noauto,x-systemd.automount,lowerdir=" + String.join(":", c.layerDirs())
                + ",upperdir=" + c.upperDir() + ",workdir=" + c.workDir();
    }

    /** jspawn-dirs@'s command: the upper and work dirs, the child's range, and its layers' views. */
    static ExecLine mountLayers(ContainerConfig c) {
        ExecLine x = new ExecLine(JSPAWN).arg("mount-layers").arg("--private-users=" + c.privateUsers())
                .arg("--machine=" + c.machineName()).arg("--upper=" + c.upperDir()).arg("--work=" + c.workDir());
        if (c.privateUsers().mode() != ContainerConfig.PrivateUsers.Mode.NO) {
            x.arg("--env-file=" + c.runDir() + "/" + NSPAWN_ENV);
            for (int i = 0; i < c.lowerDirs().size(); i++) x.arg("--layer=" + c.lowerDirs().get(i) + ":" + c.layerDirs().get(i));
        }
        return x;
    }

    static ExecLine nspawn(ContainerConfig c) {
        ExecLine x = new ExecLine(NSPAWN)
                .arg("--quiet").arg("--keep-unit").arg("--register=no").arg("--settings=no")
                .arg("--link-journal=try-guest")
                .arg("--directory=" + c.where()).arg("--machine=" + c.machineName());
        switch (c.privateUsers().mode()) {
            case PICK -> x.raw("--private-users=${" + PRIVATE_USERS_VARIABLE + "}");
            case FIXED -> x.arg("--private-users=" + c.privateUsers().start() + ":65536");
            case NO -> x.arg("--private-users=no");
        }
        if (c.privateUsers().mode() != ContainerConfig.PrivateUsers.Mode.NO) x.arg("--private-users-ownership=off");
        if (c.boot()) x.arg("--boot").arg("--notify-ready=yes");
        for (String env : c.environment()) x.arg("--setenv=" + env);
        if (c.workingDirectory() != null) x.arg("--chdir=" + c.workingDirectory());
        for (Bind b : c.binds()) x.arg((b.readOnly() ? "--bind-ro=" : "--bind=") + b.spec());
        switch (c.network().mode()) {
            case VETH -> x.arg("--network-veth");
            case BRIDGE -> x.arg("--network-bridge=" + c.network().bridgeOrZone());
            case ZONE -> x.arg("--network-zone=" + c.network().bridgeOrZone());
            case PRIVATE -> x.arg("--private-network");
            case HOST -> { }
        }
        for (String p : c.network().ports()) x.arg("--port=" + p);
        if (!c.parameters().isEmpty()) x.arg("--").args(c.parameters());
        return x;
    }

    /** A unit that says where it came from, as systemd's generators do. */
    private static UnitFile origin(ContainerConfig c, String description) {
        UnitFile u = new UnitFile();
        u.add("Unit", "Description", description);
        u.add("Unit", "Documentation", DOCUMENTATION);
        u.add("Unit", "SourcePath", c.file().toString());
        return u;
    }

    /** A drop-in names its source too; its template already carries Documentation=. */
    private static UnitFile dropIn(ContainerConfig c) {
        return new UnitFile().add("Unit", "SourcePath", c.file().toString());
    }
}
