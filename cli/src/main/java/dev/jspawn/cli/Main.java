package dev.jspawn.cli;

/** Entry point of /usr/bin/jspawn. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Jspawn.commandLine(Context.system()).execute(args));
    }
}
