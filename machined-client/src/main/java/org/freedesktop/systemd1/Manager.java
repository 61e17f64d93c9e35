package org.freedesktop.systemd1;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;

/** org.freedesktop.systemd1.Manager: only the members jspawn uses, named as on the bus. */
public interface Manager extends DBusInterface {

    /** LoadUnit(s name) → o: the unit's object, loading it if needed (LoadState tells whether it exists). */
    DBusPath LoadUnit(String name);

    /** ListUnitsByNames(as names) → a(ssssssouso): each unit named, loaded if needed (a unit that does not exist comes back not-found). */
    java.util.List<UnitStatus> ListUnitsByNames(java.util.List<String> names);

    /** GetUnitByPID(u pid) → o. */
    DBusPath GetUnitByPID(UInt32 pid);
}
