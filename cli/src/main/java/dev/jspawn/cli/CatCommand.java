package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.syntax.ConfigFiles;
import dev.jspawn.syntax.Diagnostic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "cat", description = "Print a container's configuration: NAME.jspawn, then its drop-ins in the order applied (as systemctl cat does).",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every file was shown", "1:no such container, or a file could not be shown (named on stderr with the reason)"})
final class CatCommand implements Callable<Integer> {

    @Mixin
    OneChild args;

    @Override
    public Integer call() {
        PrintWriter out = args.out();
        PrintWriter err = args.spec.commandLine().getErr();
        ConfigSource source = Containers.find(args.context().searchPath(), args.name);
        List<Path> files = new ArrayList<>(source.files()); // a template's files first, for an instance
        int problems = 0;
        boolean first = true;
        for (Path f : files) {
            // Read as the generator reads it: a regular file of at most ConfigFiles.MAX_SIZE, and a FIFO
            // or device is refused rather than opened (opening a FIFO blocks until a writer comes).
            byte[] bytes;
            try {
                bytes = ConfigFiles.read(f);
            } catch (IOException e) {
                err.println(Diagnostic.ofFile(f, e.getMessage()));
                problems++;
                continue;
            }
            if (!first) out.println();
            first = false;
            out.println("# " + f);
            String text = new String(bytes, StandardCharsets.UTF_8);
            out.print(text);
            if (!text.isEmpty() && !text.endsWith("\n")) out.println();
        }
        out.flush();
        err.flush();
        return problems == 0 ? 0 : Jspawn.FAILURE;
    }
}
