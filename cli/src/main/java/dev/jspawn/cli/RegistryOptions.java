package dev.jspawn.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/**
 * How base pull and base push reach a registry (a picocli mixin): the TLS and credential options of skopeo, which
 * pull passes on as its --src-* options and push as its --dest-* ones.
 */
final class RegistryOptions {

    @Option(names = "--tls-verify", paramLabel = "BOOL", arity = "1",
            description = "Require HTTPS and verify the registry's certificate (skopeo's --src-tls-verify for pull, --dest-tls-verify for push;"
                    + " default: skopeo's, true).")
    Boolean tlsVerify;

    @Option(names = "--authfile", paramLabel = "FILE", description = "The registry credentials file (skopeo's --src-authfile or --dest-authfile).")
    String authfile;

    @Option(names = "--creds", paramLabel = "USER[:PASSWORD]", description = "Credentials for the registry (skopeo's --src-creds or --dest-creds).")
    String creds;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "Certificates for the registry (skopeo's --src-cert-dir or --dest-cert-dir).")
    String certDir;

    /** The options given, as skopeo copy takes them for its source ({@code "src"}) or its destination ({@code "dest"}). */
    List<String> skopeo(String side) {
        List<String> out = new ArrayList<>();
        if (tlsVerify != null) out.add("--" + side + "-tls-verify=" + tlsVerify);
        if (authfile != null) out.add("--" + side + "-authfile=" + authfile);
        if (creds != null) out.add("--" + side + "-creds=" + creds);
        if (certDir != null) out.add("--" + side + "-cert-dir=" + certDir);
        return out;
    }
}
