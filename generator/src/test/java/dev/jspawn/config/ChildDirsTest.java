package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChildDirsTest {

    @Test
    void aChildsDirsSitBesideItsMountPointAndTheUpperDirNamesTheChild() {
        assertEquals("/var/lib/jspawn/web_up", ChildDirs.upper("/var/lib/jspawn/web"));
        assertEquals("/var/lib/jspawn/web_work", ChildDirs.work("/var/lib/jspawn/web"));
        assertEquals("/var/lib/jspawn/web_backup", ChildDirs.backup("/var/lib/jspawn/web"));
        assertEquals("web", ChildDirs.containerOfUpper("web_up"));
        assertEquals("my_up_web", ChildDirs.containerOfUpper("my_up_web_up"), "only the suffix goes");
        assertEquals("web", ChildDirs.containerOfUpper("web"), "a name without the suffix is kept");
    }
}
