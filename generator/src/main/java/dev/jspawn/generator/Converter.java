package dev.jspawn.generator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.HealthCheck;
import dev.jspawn.config.ContainerConfig.Bind;
import dev.jspawn.config.UnitSettings;
import dev.jspawn.syntax.UnitFile;

/**
 * Converts one container's configuration into units. Pure: no I/O, no environment.
 *
 * <p>For a container NAME mounted at WHERE it makes what systemd-fstab-generator makes of the
 * how-to's fstab line with nofail, {@code overlay WHERE overlay noauto,nofail,x-systemd.automount,lowerdir=…,upperdir=…,workdir=… 0 0}
 * (WHERE.mount, WHERE.automount and the local-fs.target.wants link), plus a drop-in for
 * {@code jspawn-dirs@NAME.service}, which creates the upper and work dirs before the mount, and a
 * drop-in for {@code jspawn@NAME.service} with the systemd-nspawn command line.
 */
public final class Converter {

    public static final String NSPAWN = "/usr/bin/systemd-nspawn";
    public static final String JSPAWN = "/usr/bin/jspawn";
    public static final String SYSTEMCTL = "/usr/bin/systemctl";
    /**
     * How the units call the helper: busctl, with the helper started by systemd and a call that its
     * death cut short made again (units/jspawn-call.sh), so no start waits for a JVM of its own.
     */
    public static final String CALL = "/usr/libexec/jspawn/jspawn-call";
    /**
     * jspawn-dirs@'s command: jspawn-call's arguments for MountLayers, which it does again itself when nothing that the
     * helper's last MountLayers of the child depended on changed (units/jspawn-prepare.sh), else calls the helper.
     */
    public static final String PREPARE = "/usr/libexec/jspawn/jspawn-prepare";
    /**
     * jspawn@'s registration after systemd-nspawn's start and its removal after the stop: jspawn-call's arguments for
     * Register and Unregister, which it answers itself with busctl where it can (where nspawn registers the guest, by
     * looking; before, by registering it when no helper runs; at the stop, by removing the unit's own), else calls the
     * helper (units/jspawn-register.sh).
     */
    public static final String REGISTER = "/usr/libexec/jspawn/jspawn-register";
    /**
     * jspawn@'s main process: execs systemd-nspawn, once it has asked the helper, where the helper registers the guest, to
     * register it as nspawn starts (units/jspawn-nspawn.sh).
     */
    public static final String NSPAWN_START = "/usr/libexec/jspawn/jspawn-nspawn";
    /** jspawn@'s first command: mounts the overlay afresh and says why when it cannot (units/jspawn-mount.sh). */
    public static final String MOUNT = "/usr/libexec/jspawn/jspawn-mount";
    /** After systemd-nspawn: removes what one that ended without cleaning up left, which would refuse the next start (units/jspawn-cleanup.sh). */
    public static final String CLEANUP = "/usr/libexec/jspawn/jspawn-cleanup";
    /** Runs a container's health check once (jspawn-health@NAME.service, started by its timer). */
    public static final String HEALTH = "/usr/libexec/jspawn/jspawn-health";
    /** Where jspawn-call leaves the reason a mount could not be prepared, for jspawn-mount to say it. */
    public static final String MOUNT_FAILURE = "failure";
    /** Preparing a mount may wait for another command that holds the UID-range lock. */
    static final int MOUNT_LAYERS_TIMEOUT_SECONDS = 120;
    static final int REGISTER_TIMEOUT_SECONDS = 30;
    /** What the service reads, for PrivateUsers=pick: the range is known only once the upper dir exists. */
    public static final String NSPAWN_ENV = "nspawn.env";
    public static final String NETWORKD = "systemd-networkd.service";
    /** Where scripts/install puts the template; [Install] links point at it, as systemctl enable's do. */
    public static final String TEMPLATE = "/usr/lib/systemd/system/jspawn@.service";
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

    public static String automountName(ContainerConfig c) {
        return UnitNames.fromPath(c.where(), ".automount");
    }

    public static GeneratedUnits convert(ContainerConfig c) {
        String mount = mountName(c);
        String automount = automountName(c);
        String dirs = dirsServiceName(c.name());
        List<GeneratedUnits.File> files = new ArrayList<>();

        // As fstab's line with nofail, not ordered before local-fs.target: preparing it needs the bus (the helper),
        // which comes after local-fs.target. Only its container needs it, and that starts later still. Its automount
        // is still pulled in by local-fs.target.
        UnitFile m = origin(c, "Overlay of jspawn container " + c.name());
        m.add("Unit", "DefaultDependencies", "no");
        m.add("Unit", "Conflicts", "umount.target");
        m.add("Unit", "Before", "umount.target");
        // Mounted again at each start after a stop (a restart for a base upgrade, say): the container's own
        // unit is what limits how often that happens, not systemd's default 5 mounts per 10 s.
        m.add("Unit", "StartLimitIntervalSec", "0");
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
        files.add(new GeneratedUnits.File(dirs + ".d/" + DROP_IN, d));

        UnitFile s = dropIn(c);
        // The overlay is mounted by the first ExecStartPre= and unmounted by the last ExecStopPost=, not pulled in by a
        // requirement: a restart must mount it again (the base may have a new version), and the stop of a required
        // mount would stop this unit too, cancelling its restart. Ordered after it, so that a shutdown stops the
        // guest before the mount.
        s.add("Unit", "After", mount);
        Set<String> mountsFor = new LinkedHashSet<>();
        for (Bind b : c.binds()) mountsFor.add(b.source());
        if (!mountsFor.isEmpty()) s.add("Unit", "RequiresMountsFor", String.join(" ", mountsFor));
        if (c.hostNetworkd()) {
            // systemd's own 80-container-ve.network / 80-container-vz.network configure the host side (DHCP server,
            // masquerading). Wanted, not enabled: a host whose other links ifupdown or NetworkManager manage gets no
            // systemd-networkd-wait-online, and networkd manages no link without a .network file that matches it.
            s.add("Unit", "Wants", NETWORKD);
            s.add("Unit", "After", NETWORKD);
        }
        // Optional: it is written by the mount in ExecStartPre=, and read again for each later command.
        String env = c.runDir() + "/" + NSPAWN_ENV;
        s.add("Service", "EnvironmentFile", "-" + env);
        ExecLine mountNow = new ExecLine(MOUNT);
        // The image's command: jspawn-mount puts what the helper wrote where systemd-nspawn reads it (--settings=yes).
        if (c.imageCommand()) mountNow.arg("--image-command").arg(c.machineName());
        mountNow.arg(c.name()).arg(mount).arg(c.where()).arg(env).arg(c.runDir() + "/" + MOUNT_FAILURE);
        mountNow.args(c.layerDirs());
        s.add("Service", "ExecStartPre", mountNow.toString());
        s.add("Service", "ExecStart", "");
        s.add("Service", "ExecStart", nspawn(c).toString());
        // Registered as nspawn starts its child (jspawn-nspawn's call), else once the guest's init runs (nspawn says READY
        // then), by the helper or by jspawn-register itself: machinectl sees a guest that is still booting. Where nspawn
        // registers it itself (JSPAWN_REGISTER=yes, systemd 258 and later), jspawn-register only checks that it did.
        s.add("Service", "ExecStartPost", helperCall(REGISTER, REGISTER_TIMEOUT_SECONDS, HelperContract.REGISTER, HelperContract.REGISTER_SIGNATURE)
                .arg(c.machineName()).arg(c.where()).raw("${MAINPID}").toString());
        if (c.notifyReady()) s.add("Service", "ExecStartPost", awaitBoot(c).toString());
        s.add("Service", "ExecStopPost", helperCall("-" + REGISTER, REGISTER_TIMEOUT_SECONDS, HelperContract.UNREGISTER, HelperContract.UNREGISTER_SIGNATURE)
                .arg(c.machineName()).arg(serviceName(c.name())).toString());
        s.add("Service", "ExecStopPost", new ExecLine("-" + CLEANUP).arg(c.machineName()).arg(c.where()).toString());
        // Queued, not waited for: the mount's stop is ordered after this unit's stop (or restart), which is still running.
        s.add("Service", "ExecStopPost", new ExecLine("-" + SYSTEMCTL).arg("stop").arg("--no-block").arg(mount).toString());
        List<GeneratedUnits.Link> links = new ArrayList<>();
        // Wanted, not required (fstab's nofail): a container's automount never fails the host's boot. Where the kernel
        // has no autofs, systemd finds every automount unsupported, and a required one sent the boot to emergency mode.
        // The container does not need it: its service starts the mount itself (jspawn-mount, ExecStartPre=).
        links.add(new GeneratedUnits.Link("local-fs.target.wants/" + automount, "../" + automount));
        for (UnitSettings.Setting u : c.unitSettings()) {
            if (!u.section().equals("Install")) {
                s.add(u.section(), u.key(), u.value());
                continue;
            }
            // As Quadlet does: [Install] carried out by links in the generator's output, so no systemctl enable is needed.
            String dir = switch (u.key()) {
                case "WantedBy" -> ".wants/";
                case "RequiredBy" -> ".requires/";
                default -> ".upholds/";
            };
            for (String target : u.value().trim().split("\\s+")) {
                if (!target.isEmpty()) links.add(new GeneratedUnits.Link(target + dir + serviceName(c.name()), TEMPLATE));
            }
        }
        if (c.health() != null) {
            // The check's timer starts with the container and stops with it (the timer binds to it); nothing of it without a check.
            s.add("Unit", "Wants", healthName(c.name(), ".timer"));
            files.addAll(health(c));
            if (c.health().notifyHealthy()) {
                // Notify=healthy: the start returns once the check passes, as Quadlet's does; it fails when the checks ran out.
                s.add("Service", "ExecStartPost", healthCheck(c, true).toString());
                s.add("Service", "TimeoutStartSec", HealthCheck.seconds(c.health().startTimeoutMillis()) + "s");
            }
        }
        files.add(new GeneratedUnits.File(serviceName(c.name()) + ".d/" + DROP_IN, s));
        return new GeneratedUnits(files, links);
    }

    public static String healthName(String name, String suffix) {
        return "jspawn-health@" + name + suffix;
    }

    /**
     * The drop-ins of jspawn-health@NAME.timer (every HealthInterval=, from the container's start) and of its
     * service, which runs the check once: in the guest, with its retries, start period, timeout and HealthOnFailure=.
     */
    static List<GeneratedUnits.File> health(ContainerConfig c) {
        HealthCheck h = c.health();
        UnitFile t = dropIn(c);
        String interval = HealthCheck.seconds(h.intervalMillis()) + "s";
        t.add("Timer", "OnActiveSec", interval);
        t.add("Timer", "OnUnitActiveSec", interval);
        UnitFile run = dropIn(c);
        run.add("Service", "ExecStart", "");
        run.add("Service", "ExecStart", healthCheck(c, false).toString());
        return List.of(new GeneratedUnits.File(healthName(c.name(), ".timer") + ".d/" + DROP_IN, t),
                new GeneratedUnits.File(healthName(c.name(), ".service") + ".d/" + DROP_IN, run));
    }

    /** One check of the container's health, as its timer runs it but with no HealthOnFailure=: what a rollout waits with. */
    public static List<String> healthCheckOnce(ContainerConfig c) {
        List<String> cmd = new ArrayList<>(List.of(HEALTH));
        cmd.addAll(healthArgs(c, HealthCheck.OnFailure.NONE));
        return cmd;
    }

    /** jspawn-health's command line: one check, or ({@code wait}) checks every interval until one passes or they ran out. */
    static ExecLine healthCheck(ContainerConfig c, boolean wait) {
        ExecLine x = new ExecLine(HEALTH);
        if (wait) x.arg("--wait").arg(HealthCheck.seconds(c.health().intervalMillis()));
        return x.args(healthArgs(c, c.health().onFailure()));
    }

    private static List<String> healthArgs(ContainerConfig c, HealthCheck.OnFailure onFailure) {
        HealthCheck h = c.health();
        return List.of(c.machineName(), c.runDir(), Integer.toString(h.retries()), HealthCheck.seconds(h.startPeriodMillis()),
                HealthCheck.seconds(h.timeoutMillis()), onFailure.word(), serviceName(c.name()), h.command());
    }

    /**
     * The whole option string, as systemd-fstab-generator keeps it from the fstab line (nofail included, which
     * mount(8) ignores); lowerdir names
     * the views of the bases that jspawn-dirs@ mounts (idmapped to the child's range), where the how-to's
     * line names the bases themselves: a base's version may be a stack of layers, which one path can name
     * only as a view.
     */
    static String mountOptions(ContainerConfig c) {
        return "noauto,nofail,x-systemd.automount,lowerdir=" + String.join(":", c.layerDirs())
                + ",upperdir=" + c.upperDir() + ",workdir=" + c.workDir();
    }

    /**
     * jspawn-dirs@'s command: the helper's MountLayers (what {@code jspawn mount-layers} does): the upper
     * and work dirs, the child's range, and its layers' views.
     */
    static ExecLine mountLayers(ContainerConfig c) {
        ExecLine x = new ExecLine(PREPARE).arg("--failure-file").arg(c.runDir() + "/" + MOUNT_FAILURE)
                .arg(Integer.toString(MOUNT_LAYERS_TIMEOUT_SECONDS)).arg(HelperContract.MOUNT_LAYERS).arg(HelperContract.MOUNT_LAYERS_SIGNATURE)
                .arg(c.privateUsers().toString()).arg(c.machineName()).arg(c.upperDir()).arg(c.workDir())
                .arg(c.runDir() + "/" + NSPAWN_ENV);
        // Each base with its view's target; the helper checks that the base is there, so a missing one is named
        // rather than left to the kernel's mount error.
        x.arg(Integer.toString(c.lowerDirs().size()));
        for (int i = 0; i < c.lowerDirs().size(); i++) x.arg(c.lowerDirs().get(i) + ":" + c.layerDirs().get(i));
        return x;
    }

    /** A call of the helper's {@code method} by {@code command}, which takes jspawn-call's arguments; the arguments follow. */
    static ExecLine helperCall(String command, int timeoutSeconds, String method, String signature) {
        return new ExecLine(command).arg(Integer.toString(timeoutSeconds)).arg(method).arg(signature);
    }

    /**
     * NotifyReady=yes: the unit becomes active when the guest has booted (its systemd is running, or
     * degraded), as nspawn's --notify-ready=yes would make it, but the guest is registered before that,
     * while it boots. Until the guest's bus is up, systemctl -M cannot reach it: retried then.
     */
    static ExecLine awaitBoot(ContainerConfig c) {
        return new ExecLine("/bin/sh").arg("-c").arg("while :; do s=$(systemctl -M \"$1\" is-system-running --wait 2>/dev/null);"
                + " case $s in running|degraded) exit 0 ;; stopping|offline|maintenance) echo \"$1: the guest did not boot: $s\" >&2; exit 1 ;; esac;"
                + " sleep 0.1; done").arg("sh").arg(c.machineName());
    }

    static ExecLine nspawn(ContainerConfig c) {
        ExecLine x = new ExecLine(NSPAWN_START).arg(c.machineName()).arg(c.where()).arg(NSPAWN)
                .arg("--quiet").arg("--keep-unit").raw("--register=${" + HelperContract.REGISTER_VARIABLE + "}")
                // Settings files only for the image's command, which comes in one (/run/systemd/nspawn/MACHINE.nspawn).
                .arg(c.imageCommand() ? "--settings=yes" : "--settings=no")
                .arg("--link-journal=" + c.linkJournal())
                .arg("--directory=" + c.where()).arg("--machine=" + c.machineName());
        // The child's own machine ID: the guest's systemd takes it when its /etc/machine-id is empty, as in bases jspawn makes.
        if (c.machineId() != null) x.arg("--uuid=" + c.machineId());
        else x.raw("--uuid=${" + HelperContract.MACHINE_ID_VARIABLE + "}");
        if (c.resolvConf() != null) x.arg("--resolv-conf=" + c.resolvConf());
        else if (c.privateNetwork()) x.raw("--resolv-conf=${" + HelperContract.RESOLV_CONF_VARIABLE + "}");
        switch (c.privateUsers().mode()) {
            case PICK -> x.raw("--private-users=${" + HelperContract.PRIVATE_USERS_VARIABLE + "}");
            case FIXED -> x.arg("--private-users=" + c.privateUsers().start() + ":65536");
            case NO -> x.arg("--private-users=no");
        }
        if (c.privateUsers().mode() != ContainerConfig.PrivateUsers.Mode.NO) x.arg("--private-users-ownership=off");
        if (c.boot()) x.arg("--boot");
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
        x.args(c.nspawnOptions());
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
