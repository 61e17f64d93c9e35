package org.freedesktop.machine1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/** The D-Bus error org.freedesktop.machine1.NoSuchMachine; dbus-java maps the error to this class by its name. */
public class NoSuchMachine extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public NoSuchMachine(String message) {
        super(message);
    }
}
