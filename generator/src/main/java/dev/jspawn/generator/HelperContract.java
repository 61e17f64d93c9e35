package dev.jspawn.generator;

/**
 * What the generated units and the helper (jspawn-helper) agree on.
 *
 * <p>That is: the helper's bus name, object, interface, methods with their D-Bus signatures and error,
 * and the variables it writes for the service. The units call the helper with busctl through
 * units/jspawn-call.sh, which names {@link #BUS_NAME}, {@link #OBJECT_PATH} and {@link #INTERFACE}
 * itself; each call line names a method and its signature, as {@link Converter} writes them. The
 * helper's bus interface takes its names from here (its annotations), and its tests check that
 * dbus-java derives these very signatures from its Java methods.
 */
public final class HelperContract {

    /** The helper's name on the system bus (root only, by its bus policy units/dbus/dev.jspawn.Helper.conf). */
    public static final String BUS_NAME = "dev.jspawn.Helper";
    public static final String OBJECT_PATH = "/dev/jspawn/Helper";
    public static final String INTERFACE = "dev.jspawn.Helper1";
    /** The D-Bus error every failure is sent as (the helper's class dev.jspawn.HelperError); busctl prints its message. */
    public static final String ERROR = "dev.jspawn.HelperError";

    /** What {@code jspawn mount-layers} does: privateUsers, machine, upper, work, envFile, layers (BASE:TARGET, topmost first). */
    public static final String MOUNT_LAYERS = "MountLayers";
    /** In the child's run-time dir beside its nspawn environment: the real directory of each base's version that MountLayers mounted, one a line. */
    public static final String VERSIONS_FILE = "versions";
    public static final String MOUNT_LAYERS_SIGNATURE = "sssssas";
    /**
     * In the child's run-time dir beside its nspawn environment: what MountLayers prepared, written down for
     * units/jspawn-prepare.sh to do again at the next start without the helper while nothing it depended on changed.
     */
    public static final String PREPARED_FILE = "prepared";
    /**
     * In the helper's runtime directory (jspawn-helper.service's RuntimeDirectory=, {@value #RUNTIME_DIRECTORY}): there
     * once the helper has served a MountLayers, so that units/jspawn-prepare.sh asks a helper that answers fast.
     */
    public static final String WARM_FILE = "mount-layers-warm";
    public static final String RUNTIME_DIRECTORY = "/run/jspawn-helper";
    /** What {@code jspawn register} does: machine, directory, the unit's main PID (systemd-nspawn). */
    public static final String REGISTER = "Register";
    public static final String REGISTER_SIGNATURE = "ssu";
    /** What {@code jspawn unregister} does: machine, unit. */
    public static final String UNREGISTER = "Unregister";
    public static final String UNREGISTER_SIGNATURE = "ss";

    /** In the service's environment file, which MountLayers writes: nspawn's --private-users=, for PrivateUsers=pick. */
    public static final String PRIVATE_USERS_VARIABLE = "JSPAWN_PRIVATE_USERS";
    /** The child's machine ID, as the helper keeps it with its upper dir; units/jspawn-mount.sh checks that it is there. */
    public static final String MACHINE_ID_VARIABLE = "JSPAWN_MACHINE_ID";
    /** nspawn's --resolv-conf= for a guest with a network of its own, decided at each start from the host's resolv.conf. */
    public static final String RESOLV_CONF_VARIABLE = "JSPAWN_RESOLV_CONF";
    /** nspawn's --register=: yes where systemd-nspawn registers the guest itself (systemd 258 and later), decided by the helper. */
    public static final String REGISTER_VARIABLE = "JSPAWN_REGISTER";

    private HelperContract() {
    }
}
