package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "health", description = {"A container's health: healthy, unhealthy, starting or none (no HealthCmd=), with the last check's output.",
        "The checks run every HealthInterval= from jspawn-health@NAME.timer while the container runs (see jspawn.jspawn(5))."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:healthy", "1:unhealthy, or no such container", "2:starting (no check has passed yet), or not running", "3:none: it declares no HealthCmd="})
final class HealthCommand implements Callable<Integer> {

    @Mixin
    OneChild args;

    @Mixin
    Output output = new Output();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        ConfigSource source = Containers.find(args.context().searchPath(), args.name);
        ContainerConfig c = Containers.load(args.context().searchPath(), source);
        Map<String, Object> h = state(c);
        if (output.json) {
            Output.write(out, h);
        } else {
            out.println(c.name() + ": " + h.get("health") + (h.get("failures") instanceof Integer n && n > 0 ? " (" + n + " failed in a row)" : ""));
            if (h.get("output") != null && !h.get("output").toString().isEmpty()) out.print(h.get("output"));
        }
        out.flush();
        return switch (h.get("health").toString()) {
            case "healthy" -> 0;
            case "unhealthy" -> Jspawn.FAILURE;
            case "none" -> 3;
            default -> 2;
        };
    }

    /** health (healthy, unhealthy, starting, none), failures (in a row) and output (the last check's), as the check's script left them. */
    static Map<String, Object> state(ContainerConfig c) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (c.health() == null) {
            h.put("health", "none");
            h.put("failures", 0);
            h.put("output", null);
            return h;
        }
        Path dir = Path.of(c.runDir());
        String status = "starting";
        int failures = 0;
        String log = null;
        try {
            Path state = dir.resolve("health");
            if (Files.isRegularFile(state, LinkOption.NOFOLLOW_LINKS) && Files.size(state) < 4096) {
                for (String line : Files.readAllLines(state)) {
                    if (line.startsWith("status=") && List.of("healthy", "unhealthy", "starting").contains(line.substring(7))) status = line.substring(7);
                    if (line.startsWith("failures=") && line.substring(9).matches("[0-9]{1,6}")) failures = Integer.parseInt(line.substring(9));
                }
            }
            Path output = dir.resolve("health.log");
            if (Files.isRegularFile(output, LinkOption.NOFOLLOW_LINKS)) {
                byte[] b = Files.readAllBytes(output);
                log = new String(b, 0, Math.min(b.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            // not readable by this user: starting, as far as it can tell
        }
        h.put("health", status);
        h.put("failures", failures);
        h.put("output", log);
        return h;
    }
}
