package dev.jspawn.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jspawn.config.Bases;
import dev.jspawn.config.ConfigLoader;
import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.syntax.SystemdIniParser;

/**
 * The units' side of the contract with the helper: the files in units/ name its bus name, object and
 * interface, and each call of the helper in the generated units names one of its methods with that
 * method's signature and arguments to match it. (The helper's side is tested with its bus interface.)
 */
class HelperContractTest {

    static final Path UNITS = Path.of("../units");

    @Test
    void theUnitFilesNameTheHelperAsTheContractDoes() throws IOException {
        String call = Files.readString(UNITS.resolve("jspawn-call.sh"));
        assertTrue(call.contains(" " + HelperContract.BUS_NAME + " " + HelperContract.OBJECT_PATH + " " + HelperContract.INTERFACE + " \"$@\""),
                call);
        assertTrue(call.contains("systemctl start jspawn-helper.service"), "it starts the helper by the unit the bus would start");
        assertTrue(Files.readString(UNITS.resolve("jspawn-helper.service")).contains("\nBusName=" + HelperContract.BUS_NAME + "\n"));
        assertTrue(Files.readString(UNITS.resolve("dbus/dev.jspawn.Helper.service")).contains("\nName=" + HelperContract.BUS_NAME + "\n"));
        assertTrue(Files.readString(UNITS.resolve("dbus/dev.jspawn.Helper.conf")).contains("<allow own=\"" + HelperContract.BUS_NAME + "\"/>"));
        assertTrue(Files.readString(UNITS.resolve("jspawn-mount.sh")).contains(" " + HelperContract.MACHINE_ID_VARIABLE + "=*)"),
                "jspawn-mount checks that the helper wrote the machine ID");
        String prepare = Files.readString(UNITS.resolve("jspawn-prepare.sh"));
        assertTrue(prepare.endsWith("\nexec " + Converter.CALL + " \"$@\"\n"), "jspawn-prepare hands its arguments to jspawn-call");
        assertTrue(prepare.contains("[ \"$4\" = " + HelperContract.MOUNT_LAYERS + " ]"), "and does only MountLayers itself");
        assertTrue(prepare.contains("record=${10%/*}/" + HelperContract.PREPARED_FILE + "\n"), "from the file the helper writes beside the environment (the 10th argument)");
        assertFalse(prepare.contains("systemctl"), "it never starts the helper itself: jspawn-register registers the guest without it");
        String register = Files.readString(UNITS.resolve("jspawn-register.sh"));
        assertTrue(register.endsWith("\nexec " + Converter.CALL + " \"$@\"\n"), "jspawn-register hands its arguments to jspawn-call");
        assertTrue(register.contains("    case ${" + HelperContract.REGISTER_VARIABLE + ":-}:$2:$3:$# in\n"), "by whether nspawn registers the guest");
        assertTrue(register.contains("    yes:" + HelperContract.REGISTER + ":" + HelperContract.REGISTER_SIGNATURE + ":6)\n")
                && register.contains("    no:" + HelperContract.REGISTER + ":" + HelperContract.REGISTER_SIGNATURE + ":6)\n")
                && register.contains("    yes:" + HelperContract.UNREGISTER + ":" + HelperContract.UNREGISTER_SIGNATURE + ":5 | no:"
                        + HelperContract.UNREGISTER + ":" + HelperContract.UNREGISTER_SIGNATURE + ":5)\n"), "the two methods, with their arguments");
    }

    @Test
    void eachCallOfTheHelperNamesAMethodWithItsSignatureAndMatchingArguments() {
        Path file = Path.of("/etc/jspawn/child_apache.jspawn");
        var parsed = SystemdIniParser.parse(file, "[Container]\nBase=/srv/base\nImageRoot=/srv/images\n".getBytes(StandardCharsets.UTF_8));
        ContainerConfig c = ConfigLoader.load(new ConfigSource("child_apache", file, List.of()), List.of(parsed.unit()), Bases.none())
                .config().orElseThrow();
        Map<String, String> signatures = Map.of(HelperContract.MOUNT_LAYERS, HelperContract.MOUNT_LAYERS_SIGNATURE,
                HelperContract.REGISTER, HelperContract.REGISTER_SIGNATURE, HelperContract.UNREGISTER, HelperContract.UNREGISTER_SIGNATURE);
        Map<String, List<String>> called = new LinkedHashMap<>();
        for (GeneratedUnits.File f : Converter.convert(c).files()) {
            for (var e : f.unit().entries()) {
                List<String> words = new ArrayList<>(Arrays.asList(e.value().split(" ")));
                // jspawn-prepare and jspawn-register take jspawn-call's arguments, and call it with them unless they can do
                // without the helper.
                String command = words.get(0).replaceFirst("^-", "");
                if (!List.of(Converter.CALL, Converter.PREPARE, Converter.REGISTER).contains(command)) continue;
                words.remove(0);
                if (words.get(0).equals("--failure-file")) words.subList(0, 2).clear();
                words.remove(0); // the timeout
                String method = words.remove(0), signature = words.remove(0);
                assertEquals(signatures.get(method), signature, e.key() + "=" + e.value());
                assertEquals(List.of(), rest(signature, words), "one argument for each of the signature's types: " + e.value());
                called.put(method, words);
            }
        }
        assertEquals(signatures.keySet(), called.keySet(), "each method is called");
        assertEquals(List.of("pick", "child-apache", "/srv/images/child_apache_up", "/srv/images/child_apache_work",
                "/run/jspawn/child_apache/nspawn.env", "1", "/srv/base:/run/jspawn/child_apache/lower/0"), called.get(HelperContract.MOUNT_LAYERS));
        assertEquals(List.of("child-apache", "/srv/images/child_apache", "${MAINPID}"), called.get(HelperContract.REGISTER));
        assertEquals(List.of("child-apache", "jspawn@child_apache.service"), called.get(HelperContract.UNREGISTER));
    }

    /** What is left of busctl's arguments once each type of {@code signature} took its own: s and u one word, as a count and that many. */
    static List<String> rest(String signature, List<String> args) {
        List<String> left = new ArrayList<>(args);
        for (int i = 0; i < signature.length(); i++) {
            if (signature.startsWith("as", i)) {
                left.subList(0, 1 + Integer.parseInt(left.get(0))).clear();
                i++;
            } else {
                assertTrue("su".indexOf(signature.charAt(i)) >= 0, "a type these calls use: " + signature);
                left.remove(0);
            }
        }
        return left;
    }
}
