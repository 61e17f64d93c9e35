package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.images.Sizes;
import dev.jspawn.runtime.UserError;
import dev.jspawn.images.BaseStore;
import dev.jspawn.images.Layers;
import dev.jspawn.images.OciImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "versions", description = {"A base's versions, which one is current, and which mounted children use which.",
        "LAYERS is 'tree' for a version that is one directory, else how many layers it stacks (--json: their ids, and the image's"
                + " config digest for a pulled one)."})
final class BaseVersionsCommand implements Callable<Integer> {

    @Mixin
    Output output = new Output();

    @Mixin
    OneBase args;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        String name = args.name;
        BaseCommand base = args.base;
        BaseStore.validName(name);
        List<BaseStore.Version> versions = base.store().versions(name);
        Optional<BaseStore.Missing> missing = base.store().missing(name);
        if (versions.isEmpty()) {
            if (missing.isPresent()) throw new UserError(missing.get().reason());
            if (base.store().current(name).isEmpty()) throw new UserError("no base " + name + " in " + base.imageRoot);
            if (output.json) Output.write(out, List.of());
            else out.println(name + " is a plain directory with no versions yet; jspawn base update makes the first.");
            out.flush();
            return 0;
        }
        Map<Integer, List<String>> usage = base.users().usage(name);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BaseStore.Version v : versions) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("version", v.label());
            row.put("current", v.current());
            // A stack's size is its layers' (each counted in every version that stacks it: what the version holds).
            List<String> layers = Layers.ids(v.dir());
            row.put("size_bytes", Layers.size(v.dir()));
            row.put("layers", layers);
            row.put("image", OciImage.storedConfigDigest(v.dir()).orElse(null));
            row.put("used_by", usage.getOrDefault(v.number(), List.of()));
            rows.add(row);
        }
        output.rows(out, List.of(Output.Column.of("VERSION", "version"), new Output.Column("CURRENT", r -> Boolean.TRUE.equals(r.get("current")) ? "yes" : ""),
                new Output.Column("SIZE", r -> Sizes.human((Long) r.get("size_bytes"))),
                new Output.Column("LAYERS", r -> ((List<?>) r.get("layers")).isEmpty() ? "tree" : Integer.toString(((List<?>) r.get("layers")).size())),
                Output.Column.of("USED-BY", "used_by")), rows, null);
        BaseCommand.warn(args.spec, missing.map(BaseStore.Missing::reason).stream().toList());
        return 0;
    }
}
