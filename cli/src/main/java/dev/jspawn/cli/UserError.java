package dev.jspawn.cli;

/** A failure to report as one line, "jspawn: MESSAGE", with exit status 1. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
        super(message);
    }
}
