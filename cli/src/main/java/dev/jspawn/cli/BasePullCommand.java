package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jspawn.images.BasePull;
import dev.jspawn.images.LayerUnpack;
import dev.jspawn.runtime.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pull",
        description = {"Make a base, or a new version of one, from an OCI image: skopeo copies it from SOURCE, any transport skopeo knows"
                + " (docker://REGISTRY/REPO:TAG, oci:DIR:TAG, oci-archive:FILE, docker-archive:FILE); jspawn checks every digest and unpacks"
                + " each layer it does not hold yet into its layer store, where each is kept once. The new version is a stack of those layers."
                + " Pulling an image the base has already makes nothing; a changed one makes a new version, which children run from their next start.",
                "Credentials, mirrors and registries.conf are skopeo's: see skopeo-copy(1). Example: jspawn base pull web docker://registry.example:5000/debian:12"})
final class BasePullCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Parameters(index = "1", paramLabel = "SOURCE", description = "The image, as skopeo names it.")
    String source;

    @Mixin
    RegistryOptions registry;

    @Option(names = "--max-layer-size", paramLabel = "SIZE", defaultValue = "32G",
            description = "Refuse a layer whose files hold more than SIZE once unpacked (K, M, G, T; default: ${DEFAULT-VALUE}).")
    String maxLayerSize;

    @Option(names = "--max-layer-entries", paramLabel = "N", defaultValue = "1000000",
            description = "Refuse a layer of more than N files, directories and links (default: ${DEFAULT-VALUE}).")
    long maxLayerEntries;

    @Override
    public Integer call() throws IOException {
        List<String> options = registry.skopeo("src");
        if (maxLayerEntries < 1) throw new UserError("--max-layer-entries: give a number of 1 or more, not " + maxLayerEntries);
        LayerUnpack.Limits limits = new LayerUnpack.Limits(size(maxLayerSize), maxLayerEntries);
        PrintWriter out = args.out();
        BasePull.Result r = args.base.puller(out, limits).run(args.name, source, options);
        if (r.made().isEmpty()) {
            out.println(args.name + ": " + r.current().label() + " is that image already (" + r.image().configDigest() + "); nothing to do");
        } else {
            out.println(args.name + ": " + r.current().label() + " is now current: " + r.image().layers().size() + " layers, " + r.layersUnpacked()
                    + " of them new (" + r.image().configDigest() + "). Running children keep their version until they restart"
                    + " ('jspawn prune --stop CHILD', then 'jspawn start CHILD', drops a child's stale copies first).");
        }
        out.flush();
        return 0;
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})([KMGT]?)");

    static long size(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw new UserError("--max-layer-size: give a size such as 512M or 32G, not " + s);
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n == 0 || Long.numberOfLeadingZeros(n) <= shift) throw new UserError("--max-layer-size: " + s + " is out of range");
        return n << shift;
    }
}
