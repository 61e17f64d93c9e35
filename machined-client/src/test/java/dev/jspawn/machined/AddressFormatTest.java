package dev.jspawn.machined;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IPv6 addresses as machinectl and ip(8) show them, not as Java's getHostAddress() spells them. */
class AddressFormatTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "fe80:0:0:0:fc38:c6ff:fe95:1df9 | fe80::fc38:c6ff:fe95:1df9",
        "0:0:0:0:0:0:0:1 | ::1",
        "0:0:0:0:0:0:0:0 | ::",
        "2001:db8:0:0:1:0:0:1 | 2001:db8::1:0:0:1",
        "2001:db8:0:1:0:0:0:1 | 2001:db8:0:1::1",
        "2001:db8:1:2:3:4:5:6 | 2001:db8:1:2:3:4:5:6",
        "fe80:0:0:0:0:0:0:0%2 | fe80::",
        "2001:0:1:0:1:0:1:0 | 2001:0:1:0:1:0:1:0",
    })
    void compressesTheLongestRunOfZeroGroups(String java, String expected) {
        assertEquals(expected, DBusHostBus.compressed(java));
    }
}
