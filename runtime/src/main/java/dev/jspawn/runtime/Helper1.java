package dev.jspawn.runtime;

import java.util.List;

import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.DBusMemberName;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;

import dev.jspawn.generator.HelperContract;

/**
 * The helper's D-Bus interface: what the units call, {@value HelperContract#INTERFACE}.
 *
 * <p>At {@value HelperContract#OBJECT_PATH} on the bus name {@value HelperContract#BUS_NAME} (root only,
 * by its bus policy). The generated units call it with systemd's own busctl, so no container start
 * waits for a JVM of its own: one helper, started on demand (see jspawn(1), HELPER), serves every start and
 * exits when idle. Each method returns the line it would have printed. Its names are
 * {@link HelperContract}'s; dbus-java derives each method's signature from its Java types.
 */
@DBusInterfaceName(HelperContract.INTERFACE)
public interface Helper1 extends DBusInterface {

    /** What {@code jspawn mount-layers} does: the upper and work dirs, the range, the layers' views (BASE:TARGET, topmost first). */
    @DBusMemberName(HelperContract.MOUNT_LAYERS)
    String mountLayers(String privateUsers, String machine, String upper, String work, String envFile, List<String> layers);

    /** What {@code jspawn register} does, for the unit whose main PID (systemd-nspawn) is {@code mainPid}. */
    @DBusMemberName(HelperContract.REGISTER)
    String register(String machine, String directory, UInt32 mainPid);

    /** What {@code jspawn unregister} does. */
    @DBusMemberName(HelperContract.UNREGISTER)
    String unregister(String machine, String unit);
}
