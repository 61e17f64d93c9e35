package dev.jspawn.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's health check, with Quadlet's keys and meanings ([Container] HealthCmd=, HealthInterval=,
 * HealthRetries=, HealthStartPeriod=, HealthTimeout=, HealthOnFailure=): HealthCmd runs in the guest with
 * /bin/sh -c every interval, driven by a timer the generator writes for that container; the guest is
 * unhealthy once it failed {@code retries} times in a row, failures within the start period not counting.
 * Times are in milliseconds.
 */
public record HealthCheck(String command, long intervalMillis, int retries, long startPeriodMillis, long timeoutMillis, OnFailure onFailure,
        /** Notify=healthy: the unit's start waits until the check passes, and fails once the start period and retries ran out. */
        boolean notifyHealthy) {

    /** The longest a start with Notify=healthy can wait: the start period, then every retry with its interval and timeout, and a margin. */
    public long startTimeoutMillis() {
        return startPeriodMillis + (long) (retries + 1) * (intervalMillis + timeoutMillis) + 90_000;
    }

    /** HealthOnFailure=: what is done to the unit once the guest is unhealthy. */
    public enum OnFailure { NONE, KILL, RESTART, STOP;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Podman's defaults: every 30 s, 3 retries, no start period, 30 s for the command. */
    public static final long DEFAULT_INTERVAL = 30_000, DEFAULT_TIMEOUT = 30_000;
    public static final int DEFAULT_RETRIES = 3;

    private static final Pattern PART = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(usec|us|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d)?");

    /** A time span as systemd.time(7) writes it ("30s", "1min 30s", "500ms"; a bare number is seconds), in milliseconds. */
    public static long timeSpan(String v) throws Values.Invalid {
        String s = v.trim();
        if (s.isEmpty()) throw new Values.Invalid("no time span given");
        Matcher m = PART.matcher(s);
        int at = 0;
        double total = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) throw new Values.Invalid("\"" + v + "\" is not a time span (such as 30s, 1min 30s or 500ms)");
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            total += n * switch (unit) {
                case "us", "usec" -> 0.001;
                case "ms", "msec" -> 1;
                case "s", "sec", "second", "seconds" -> 1000;
                case "m", "min", "minute", "minutes" -> 60_000;
                case "h", "hr", "hour", "hours" -> 3_600_000;
                default -> 86_400_000;
            };
            at = m.end();
            while (at < s.length() && s.charAt(at) == ' ') at++;
        }
        if (total > 366L * 86_400_000) throw new Values.Invalid("\"" + v + "\" is more than a year");
        return Math.round(total);
    }

    public static int retries(String v) throws Values.Invalid {
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1 || n > 1000) throw new Values.Invalid("\"" + v + "\" is not a number of retries from 1 to 1000");
            return n;
        } catch (NumberFormatException e) {
            throw new Values.Invalid("\"" + v + "\" is not a number of retries from 1 to 1000");
        }
    }

    public static OnFailure onFailure(String v) throws Values.Invalid {
        for (OnFailure f : OnFailure.values()) if (f.word().equals(v.trim())) return f;
        throw new Values.Invalid("\"" + v + "\" is not one of none, kill, restart, stop");
    }

    /** HealthCmd=: one line of shell, no control characters (it is written into a unit file and run with /bin/sh -c). */
    public static String command(String v) throws Values.Invalid {
        String s = v.trim();
        if (s.isEmpty()) throw new Values.Invalid("no command given");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) throw new Values.Invalid("a control character in the command");
        }
        return s;
    }

    /** Seconds, as the check's script and a timer take them, at least one millisecond. */
    public static String seconds(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }
}
