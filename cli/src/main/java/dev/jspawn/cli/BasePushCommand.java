package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.images.BasePush;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

    @Option(names = "--tls-verify", paramLabel = "BOOL", arity = "1",
            description = "Require HTTPS and verify the registry's certificate (skopeo's --dest-tls-verify; default: skopeo's, true).")
    Boolean tlsVerify;

    @Option(names = "--authfile", paramLabel = "FILE", description = "The registry credentials file (skopeo's --dest-authfile).")
    String authfile;

    @Option(names = "--creds", paramLabel = "USER[:PASSWORD]", description = "Credentials for the registry (skopeo's --dest-creds).")
    String creds;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "Certificates for the registry (skopeo's --dest-cert-dir).")
    String certDir;

    @Override
    public Integer call() throws IOException {
        List<String> options = new ArrayList<>();
        if (tlsVerify != null) options.add("--dest-tls-verify=" + tlsVerify);
        if (authfile != null) options.add("--dest-authfile=" + authfile);
        if (creds != null) options.add("--dest-creds=" + creds);
        if (certDir != null) options.add("--dest-cert-dir=" + certDir);
        PrintWriter out = args.out();
        BasePush.Result r = args.base.pusher(out).run(args.name, dest, options);
        out.println(args.name + ": pushed to " + dest + ": " + r.layers() + " layers, image " + r.configDigest() + ", manifest " + r.manifestDigest()
                + (r.devicesLeftOut() == 0 ? "" : "; left out " + r.devicesLeftOut() + " device nodes (an image may hold none; nspawn gives each guest a /dev of its own)"));
        out.flush();
        return 0;
    }
}
