package dev.jspawn.images;

import java.util.List;

/** What is mounted on the host, as /proc/self/mountinfo lists it; read afresh each time it is asked. */
public interface MountTable {

    /** A mounted overlay: its mount point, its lower layers (topmost first, as in lowerdir=) and its upper dir (null if it has none). */
    record Overlay(String mountPoint, List<String> lowers, String upper) {
    }

    /** Every overlay mount. */
    List<Overlay> overlays();

    /** Every mount point. */
    List<String> points();
}
