package org.freedesktop.machine1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/** The D-Bus error org.freedesktop.machine1.MachineExists; dbus-java maps the error to this class by its name. */
public class MachineExists extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public MachineExists(String message) {
        super(message);
    }
}
