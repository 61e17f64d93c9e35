package dev.jspawn.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.IntSupplier;

import dev.jspawn.images.Sizes;

/**
 * Progress of a long copy (cp -a of a base: minutes for a large one), which cp itself does not
 * show: how much of the source's size the target holds, every few seconds. On a terminal the
 * line is rewritten in place; elsewhere (a journal, a log) one line every 10 seconds.
 */
final class Progress {

    private Progress() {
    }

    /** Runs {@code copy} (which fills {@code target} from {@code source}), reporting as it goes; returns its exit status. */
    static int copy(PrintWriter out, String what, Path source, Path target, IntSupplier copy) {
        boolean terminal = System.console() != null;
        return copy(out, what, source, target, copy, terminal, terminal ? 1000 : 10_000);
    }

    static int copy(PrintWriter out, String what, Path source, Path target, IntSupplier copy, boolean terminal, long period) {
        long total;
        try {
            total = Math.max(Sizes.of(source), 1);
        } catch (java.io.IOException e) {
            return copy.getAsInt(); // no size to compare with: copy without progress
        }
        Thread reporter = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(period);
                    long done = Math.max(Sizes.of(target), 0);
                    String line = "    " + what + ": " + Sizes.human(done) + " of " + Sizes.human(total) + " (" + Math.min(100, done * 100 / total) + "%)";
                    synchronized (out) {
                        if (terminal) out.print("\r" + line + "   ");
                        else out.println(line);
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                // the copy is done
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // the target vanished (a failed copy): stop reporting
            }
        }, "jspawn-progress");
        reporter.setDaemon(true);
        reporter.start();
        try {
            return copy.getAsInt();
        } finally {
            reporter.interrupt();
            try {
                reporter.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (terminal) {
                synchronized (out) {
                    out.print("\r" + " ".repeat(72) + "\r");
                    out.flush();
                }
            }
        }
    }

    /**
     * A copy's error lines, of which only the first is shown, and how many more there were: cp on a full
     * disk prints one for every file it could not write, and the one-line reason follows anyway.
     */
    static final class Errors implements java.util.function.Consumer<String> {
        private String first;
        private long more;

        @Override
        public synchronized void accept(String line) {
            if (first == null) first = line;
            else more++;
        }

        /** The first line and "(N more errors)", if there were any. */
        synchronized void print(PrintWriter err) {
            if (first == null) return;
            err.println(first);
            if (more > 0) err.println("(" + more + " more error" + (more == 1 ? "" : "s") + ")");
            err.flush();
        }
    }
}
