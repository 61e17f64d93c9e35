package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.images.BasePush;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "push",
        description = {"Publish a base's current version as an OCI image whose layers are the version's layers, with skopeo, to DEST: any"
                + " transport skopeo knows (docker://REGISTRY/REPO:TAG, oci:DIR:TAG, oci-archive:FILE). The same version gives the same"
                + " image, byte for byte, so every host that pulls it holds the same version.",
                "Example: jspawn base push web docker://registry.example:5000/web:2"})
final class BasePushCommand implements Callable<Integer> {

    @Mixin
    OneBase args;

    @Parameters(index = "1", paramLabel = "DEST", description = "Where to, as skopeo names it.")
    String dest;

    @Mixin
    RegistryOptions registry;

    @Override
    public Integer call() throws IOException {
        List<String> options = registry.skopeo("dest");
        PrintWriter out = args.out();
        BasePush.Result r = args.base.pusher(out).run(args.name, dest, options);
        out.println(args.name + ": pushed to " + dest + ": " + r.layers() + " layers, image " + r.configDigest() + ", manifest " + r.manifestDigest()
                + (r.devicesLeftOut() == 0 ? "" : "; left out " + r.devicesLeftOut() + " device nodes (an image may hold none; nspawn gives each guest a /dev of its own)"));
        out.flush();
        return 0;
    }
}
