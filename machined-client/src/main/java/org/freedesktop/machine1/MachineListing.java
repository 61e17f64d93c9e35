package org.freedesktop.machine1;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;

/** One (ssso) of ListMachines: a machine's name, class, service and object. */
public final class MachineListing extends Struct {
    @Position(0)
    public final String name;
    @Position(1)
    public final String machineClass;
    @Position(2)
    public final String service;
    @Position(3)
    public final DBusPath path;

    public MachineListing(String name, String machineClass, String service, DBusPath path) {
        this.name = name;
        this.machineClass = machineClass;
        this.service = service;
        this.path = path;
    }
}
