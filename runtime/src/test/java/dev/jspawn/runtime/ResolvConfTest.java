package dev.jspawn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which resolv.conf a guest with a network of its own gets by default. */
class ResolvConfTest {

    @TempDir
    Path tmp;

    String mode(String host, boolean uplink) throws IOException {
        Path h = tmp.resolve("resolv.conf"), u = tmp.resolve("uplink.conf");
        Files.deleteIfExists(h);
        Files.deleteIfExists(u);
        if (host != null) Files.writeString(h, host);
        if (uplink) Files.writeString(u, "nameserver 192.0.2.53\n");
        return ResolvConf.mode(h, u);
    }

    @Test
    void theHostsServersWhenTheGuestCanReachThem() throws IOException {
        assertEquals("copy-host", mode("nameserver 10.255.255.53\n", false));
        assertEquals("copy-host", mode("# comment\nsearch example.com\nnameserver 127.0.0.1\nnameserver 192.0.2.1\n", true));
    }

    @Test
    void resolvedsUpstreamServersWhenTheHostOnlyHasALocalStub() throws IOException {
        assertEquals("copy-uplink", mode("nameserver 127.0.0.53\noptions edns0 trust-ad\n", true));
        assertEquals("copy-uplink", mode("nameserver ::1\n", true));
        assertEquals("copy-host", mode("nameserver 127.0.0.53\n", false), "no uplink list to copy: the host's file, as nspawn would");
    }

    @Test
    void noFileOrNoServer() throws IOException {
        assertEquals("copy-host", mode(null, true));
        assertEquals("copy-host", mode("search example.com\n", true));
    }
}
