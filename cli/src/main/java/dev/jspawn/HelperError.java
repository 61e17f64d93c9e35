package dev.jspawn;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * The D-Bus error the helper answers a failed call with, dev.jspawn.HelperError: dbus-java names an
 * error after its exception class, so this class's name is the error's. busctl prints its message.
 */
public class HelperError extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public HelperError(String message) {
        super(message);
    }
}
