package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.images.Sizes;
import dev.jspawn.images.BaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "list", description = "Every base: its current version, how many versions, its size and the children that use it.")
final class BaseListCommand implements Callable<Integer> {

    @ParentCommand
    BaseCommand base;

    @Mixin
    Output output = new Output();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, List<String>> users = base.users().childrenByBase();
        Path store = base.imageRoot.resolve(BaseStore.STORE);
        if (Files.isDirectory(store)) {
            try (var s = Files.list(store)) {
                for (Path p : s.toList()) {
                    String name = p.getFileName().toString();
                    if (!users.containsKey(name) && base.store().isLeftover(name)) continue; // no base: nothing to list
                    users.computeIfAbsent(name, k -> new ArrayList<>());
                }
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : users.entrySet()) {
            BaseStore st = base.store();
            List<BaseStore.Version> versions = st.versions(e.getKey());
            Optional<Path> current = st.current(e.getKey());
            Optional<BaseStore.Missing> missing = st.missing(e.getKey());
            missing.ifPresent(m -> warnings.add(m.reason()));
            String label = current.isEmpty() ? "missing" : versions.stream().filter(BaseStore.Version::current).map(BaseStore.Version::label)
                    .findFirst().orElse("plain");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("base", e.getKey());
            row.put("current", label);
            row.put("versions", Math.max(versions.size(), current.isPresent() ? 1 : 0));
            long size = current.isPresent() ? dev.jspawn.images.Layers.size(current.get()) : -1;
            row.put("size_bytes", size < 0 ? null : size);
            row.put("image", current.isPresent() ? dev.jspawn.images.OciImage.storedConfigDigest(current.get()).orElse(null) : null);
            row.put("children", e.getValue());
            rows.add(row);
        }
        output.rows(out, List.of(Output.Column.of("BASE", "base"), Output.Column.of("CURRENT", "current"), Output.Column.of("VERSIONS", "versions"),
                new Output.Column("SIZE", r -> r.get("size_bytes") == null ? "-" : Sizes.human((Long) r.get("size_bytes"))),
                Output.Column.of("CHILDREN", "children")), rows, null);
        BaseCommand.warn(spec, warnings);
        return 0;
    }
}
