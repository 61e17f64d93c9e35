package dev.jspawn.config;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Container names (the NAME of NAME.jspawn, the instance of jspawn@NAME.service) and the machine
 * names machined accepts, which must be valid host names: {@code child_apache} is a fine unit
 * instance but not a machine name, so by default its machine is {@code child-apache}.
 */
public final class ContainerName {

    /** A plain name, or a template's instance PREFIX@INSTANCE (the template file itself is PREFIX@.jspawn). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*(@[A-Za-z0-9_][A-Za-z0-9_.-]*)?");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?");

    private ContainerName() {
    }

    /** Why {@code name} cannot name a container, or empty if it can. */
    public static Optional<String> problem(String name) {
        if (!NAME.matcher(name).matches() || name.contains("..") || name.length() > 64) {
            return Optional.of("container name \"" + name + "\" is not allowed: use 1 to 64 of A-Z a-z 0-9 _ . - (not starting with '.' or '-', no \"..\"),"
                    + " or a template's instance PREFIX@INSTANCE");
        }
        return Optional.empty();
    }

    /** The documented mapping from a container name to its default machine name: '_' and a template's '@' become '-'. */
    public static String defaultMachineName(String name) {
        return name.replace('_', '-').replace('@', '-');
    }

    /** Why {@code name} is not a machine name machined accepts (a valid host name), or empty. */
    public static Optional<String> machineNameProblem(String name) {
        if (name.isEmpty() || name.length() > 64) {
            return Optional.of("machine name \"" + name + "\" must be 1 to 64 characters");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches() || label.length() > 63) {
                return Optional.of("machine name \"" + name + "\" is not a valid host name (dot-separated labels of letters, digits and inner '-')");
            }
        }
        return Optional.empty();
    }
}
