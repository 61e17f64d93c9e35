package dev.jspawn;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * The D-Bus error the helper answers a failed call with, dev.jspawn.HelperError.
 *
 * <p>dbus-java names an error after its exception class, so this class's name (and so its package,
 * dev.jspawn, not dev.jspawn.runtime) is the error's, {@link dev.jspawn.generator.HelperContract#ERROR}.
 * busctl prints its message.
 */
public class HelperError extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public HelperError(String message) {
        super(message);
    }
}
