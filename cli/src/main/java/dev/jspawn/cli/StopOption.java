package dev.jspawn.cli;

import picocli.CommandLine.Option;

/**
 * The --stop option of the commands that change a child's directories (a picocli mixin): each refuses a
 * running or mounted child, or with --stop stops it (unit and mount) first and leaves it stopped (see Offline).
 */
final class StopOption {

    @Option(names = "--stop", description = "Stop the child (unit and mount) first if it is running; it is not started again.")
    boolean stop;
}
