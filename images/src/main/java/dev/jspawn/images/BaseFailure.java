package dev.jspawn.images;

import java.io.IOException;

/** Why a base could not be made, updated or removed, in one line that names the base, the cause and what to do. */
public final class BaseFailure extends IOException {
    private static final long serialVersionUID = 1L;

    public BaseFailure(String message) {
        super(message);
    }
}
