package dev.jspawn.images;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What making and updating a base need from the program that runs them, and this module leaves to
 * it: running programs, showing a copy's progress, and blanking a tree's identity.
 */
public interface BaseTools {

    /** Runs a program, its output going to ours (so that long steps show their progress); returns its exit status. */
    int run(List<String> command);

    /** Runs a program and returns what it wrote on its standard output; a non-zero exit status is an IOException saying so. */
    default byte[] output(List<String> command) throws IOException {
        throw new IOException(command.get(0) + " is not available here");
    }

    /** Runs it with {@code input} on its standard input (a secret, say, that must not show in its arguments). */
    int run(List<String> command, String input);

    /**
     * Runs {@code cp}, which fills {@code target} from {@code source}, showing how far it got; of its error
     * lines (one per file it could not write, on a full disk) only the first is shown, and how many more.
     * Returns its exit status.
     */
    int copy(List<String> cp, Path source, Path target);

    /** Makes a base's tree carry no identity (machine ID, host name), saying on the output what it removed. */
    void blankIdentity(Path root) throws IOException;
}
