package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * jspawn.jspawn(5)'s table of systemd.nspawn(5) keys against systemd 252's list and against what
 * the loader does: each key the table calls supported is accepted, each it calls not applicable is
 * refused with its reason.
 */
class NspawnKeyTableTest {

    /** systemd.nspawn(5) of systemd 252, section by section. */
    static final Map<String, List<String>> SYSTEMD_252 = Map.of(
            "Exec", List.of("Boot", "Ephemeral", "ProcessTwo", "Parameters", "Environment", "User", "WorkingDirectory", "PivotRoot",
                    "Capability", "DropCapability", "AmbientCapability", "NoNewPrivileges", "KillSignal", "Personality", "MachineID",
                    "PrivateUsers", "NotifyReady", "SystemCallFilter", "LimitCPU", "LimitFSIZE", "LimitDATA", "LimitSTACK", "LimitCORE",
                    "LimitRSS", "LimitNOFILE", "LimitAS", "LimitNPROC", "LimitMEMLOCK", "LimitLOCKS", "LimitSIGPENDING", "LimitMSGQUEUE",
                    "LimitNICE", "LimitRTPRIO", "LimitRTTIME", "OOMScoreAdjust", "CPUAffinity", "Hostname", "ResolvConf", "Timezone",
                    "LinkJournal", "SuppressSync"),
            "Files", List.of("ReadOnly", "Volatile", "Bind", "BindReadOnly", "BindUser", "TemporaryFileSystem", "Inaccessible", "Overlay",
                    "OverlayReadOnly", "PrivateUsersOwnership", "PrivateUsersChown"),
            "Network", List.of("Private", "VirtualEthernet", "VirtualEthernetExtra", "Interface", "MACVLAN", "IPVLAN", "Bridge", "Zone", "Port"));

    /** Section/Key → the table's third column. */
    static Map<String, String> table() throws IOException {
        String man = Files.readString(Path.of("../man/jspawn.jspawn.5"));
        String body = man.substring(man.indexOf(".TS\n"), man.indexOf(".TE\n"));
        Map<String, String> rows = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^\\[(\\w+)\\]\\t([A-Za-z*]+)=\\tT\\{\\n(.*)\\nT\\}$").matcher(body);
        while (m.find()) {
            if (m.group(2).equals("Limit*")) {
                Matcher l = Pattern.compile("(Limit[A-Z]+)=").matcher(m.group(3));
                while (l.find()) rows.put(m.group(1) + "/" + l.group(1), m.group(3));
            } else {
                rows.put(m.group(1) + "/" + m.group(2), m.group(3));
            }
        }
        return rows;
    }

    @Test
    void theTableHasEveryKeyOfSystemd252AndNothingElse() throws IOException {
        List<String> expected = new ArrayList<>();
        SYSTEMD_252.forEach((section, keys) -> keys.forEach(k -> expected.add(section + "/" + k)));
        assertEquals(61, expected.size());
        assertEquals(new java.util.TreeSet<>(expected), table().keySet());
    }

    @Test
    void whatTheTableSaysIsWhatTheLoaderDoes() throws IOException {
        for (var row : table().entrySet()) {
            String section = row.getKey().split("/")[0], key = row.getKey().split("/")[1];
            boolean notApplicable = row.getValue().startsWith("not applicable");
            assertEquals(notApplicable, NspawnKeys.NOT_APPLICABLE.containsKey(row.getKey()), row.getKey());
            assertEquals(!notApplicable, KeyTable.KEYS.get(section).containsKey(key), row.getKey() + " accepted by the loader");
            if (row.getValue().startsWith("passed")) {
                NspawnKeys.Key k = NspawnKeys.key(section, key);
                assertTrue(k != null && row.getValue().replace("\\-", "-").contains("(" + k.option()), row.getKey() + " passes " + row.getValue());
            }
        }
    }
}
