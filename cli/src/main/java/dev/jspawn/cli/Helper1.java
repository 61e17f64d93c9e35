package dev.jspawn.cli;

import java.util.List;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;

/**
 * The helper's D-Bus interface, {@value #INTERFACE} at {@value #PATH} on the bus name {@value #BUS_NAME}
 * (root only, by its bus policy). The generated units call it with systemd's own busctl, so no
 * container start waits for a JVM of its own: one helper, started by the bus on the first call,
 * serves every start and exits when idle. Each method returns the line it would have printed.
 */
@DBusInterfaceName(Helper1.INTERFACE)
public interface Helper1 extends DBusInterface {

    String BUS_NAME = "dev.jspawn.Helper";
    String PATH = "/dev/jspawn/Helper";
    String INTERFACE = "dev.jspawn.Helper1";
    /** The D-Bus error every failure is sent as ({@link dev.jspawn.HelperError}); busctl prints its message. */
    String ERROR = "dev.jspawn.HelperError";

    /** What {@code jspawn mount-layers} does: the upper and work dirs, the range, the layers' views (BASE:TARGET, topmost first). */
    String MountLayers(String privateUsers, String machine, String upper, String work, String envFile, List<String> layers);

    /** What {@code jspawn register} does, for the unit whose main PID (systemd-nspawn) is {@code mainPid}. */
    String Register(String machine, String directory, UInt32 mainPid);

    /** What {@code jspawn unregister} does. */
    String Unregister(String machine, String unit);
}
