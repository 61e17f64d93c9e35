package dev.jspawn.config;

/**
 * The one place that names a child's own directories beside its mount point IMAGE_ROOT/NAME: the overlay's
 * upper dir NAME_up (what the guest wrote), its work dir NAME_work, NAME_backup (what prune --prefer-base set aside),
 * and NAME_rollout (what a rollout's prune took out, kept until the rollout ends).
 */
public final class ChildDirs {

    private static final String UPPER = "_up", WORK = "_work", BACKUP = "_backup", ASIDE = "_rollout";

    private ChildDirs() {
    }

    public static String upper(String where) {
        return where + UPPER;
    }

    public static String work(String where) {
        return where + WORK;
    }

    public static String backup(String where) {
        return where + BACKUP;
    }

    public static String aside(String where) {
        return where + ASIDE;
    }

    /** The container whose upper dir has the file name {@code upperName} (NAME_up gives NAME). */
    public static String containerOfUpper(String upperName) {
        return upperName.endsWith(UPPER) ? upperName.substring(0, upperName.length() - UPPER.length()) : upperName;
    }
}
