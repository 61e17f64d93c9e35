package dev.jspawn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The names at the limits that machined takes (the refused ones, with their messages, are in ConfigErrorsTest). */
class ContainerNameTest {

    static final String LABEL_62 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    static final String LABEL_63 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    @ParameterizedTest
    @ValueSource(strings = {"a", "child-apache", "shop.example", "0", "a-b-c.d1", LABEL_63, LABEL_62 + ".x", "x.y.z"})
    void validHostNamesAreMachineNames(String name) {
        assertEquals(Optional.empty(), ContainerName.machineNameProblem(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "_x", "child_apache", "a.b", "a-", "a.", "shop@1", "x@_y", "a.b@c-d.", "web@a_b",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void containerNames(String name) {
        assertEquals(Optional.empty(), ContainerName.problem(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".a", "-a", "a..b", "a@", "@a", "a@b@c", "a@.b", "a@-b", "a b", "a/b", "a:b", "caf\u00e9", "a\nb",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void notContainerNames(String name) {
        assertTrue(ContainerName.problem(name).orElseThrow().startsWith("container name \"" + name + "\" is not allowed: use 1 to 64 of"), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"child_apache", "shop@1", "web_x.y"})
    void aContainerNameMapsToAValidMachineName(String name) {
        assertEquals(Optional.empty(), ContainerName.problem(name), name);
        assertEquals(Optional.empty(), ContainerName.machineNameProblem(ContainerName.defaultMachineName(name)), name);
    }
}
