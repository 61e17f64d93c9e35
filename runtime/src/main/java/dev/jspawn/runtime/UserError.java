package dev.jspawn.runtime;

/** A failure to report as one line, "jspawn: MESSAGE", with exit status 1. */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }
}
