package dev.jspawn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.jspawn.config.ConfigSource;
import dev.jspawn.config.ContainerConfig;
import dev.jspawn.config.SearchPath;
import dev.jspawn.generator.Converter;
import dev.jspawn.generator.HelperContract;
import dev.jspawn.images.Node;
import dev.jspawn.images.Sizes;
import dev.jspawn.images.Trees;
import dev.jspawn.machined.HostBus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "remove",
        description = {"Remove a child: disable it, delete NAME.jspawn (and the NAME.jspawn.d beside it) and reload systemd, so its units go;"
                + " those that had failed are reset, so that systemctl --failed no longer lists them.",
                "Its upper dir (what the child wrote) is kept unless --purge."})
final class RemoveCommand implements Callable<Integer> {

    @Mixin
    OneChild args;

    @Option(names = "--purge", description = "Also delete its upper, work, backup and rollout dirs (everything the child wrote),"
            + " and its mount point if that is an empty directory with nothing mounted on it.")
    boolean purge;

    @Mixin
    StopOption stopOption;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = args.out();
        SearchPath searchPath = args.context().searchPath();
        ConfigSource source = Containers.find(searchPath, args.name);
        ContainerConfig c = Containers.load(searchPath, source);
        try (var lock = CommandLocks.child(args.parent, c)) {
            remove(source, c, out);
        }
        out.flush();
        return 0;
    }

    private void remove(ConfigSource source, ContainerConfig c, PrintWriter out) throws IOException {
        String service = Converter.serviceName(c.name());
        Offline.remove(args.context(), c, stopOption.stop, out, () -> {
            args.context().systemctl().run("disable", "--quiet", service);
            Path dropIns = source.file().resolveSibling(source.file().getFileName() + ".d");
            if (Files.isDirectory(dropIns)) Trees.deleteTree(dropIns);
            Files.delete(source.file());
            return null;
        });
        for (Path d : source.dropIns()) {
            if (Files.exists(d)) out.println("jspawn: note: drop-in " + d + " is left in place");
        }
        if (args.context().systemctl().run("daemon-reload") != 0) out.println("jspawn: warning: systemctl daemon-reload failed");
        // What its last start prepared, which jspawn-prepare would do again for a new child of the same name (the same
        // paths, and a new upper dir may come with the same range and inode number): that one is prepared afresh.
        Files.deleteIfExists(Path.of(c.runDir(), HelperContract.PREPARED_FILE));
        resetFailed(c);
        out.println("Removed " + source.file() + ".");
        List<Path> dirs = new ArrayList<>(List.of(Path.of(c.upperDir()), Path.of(c.workDir()), PruneCommand.backupDir(c), Path.of(c.asideDir())));
        dirs.removeIf(p -> !Files.exists(p));
        if (purge) {
            for (Path d : dirs) Trees.deleteTree(d);
            if (removeMountPoint(c, out)) dirs.add(Path.of(c.where()));
            out.println(dirs.isEmpty() ? "It had written nothing." : "Deleted " + dirs.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).get() + ".");
        } else if (!dirs.isEmpty()) {
            out.println("Kept what it wrote: " + dirs.get(0) + " (" + Sizes.human(Sizes.of(dirs.get(0))) + "); delete it with --purge.");
        }
    }

    /**
     * Clears the failed state of the child's units. Their files are gone, but a failed unit stays loaded and
     * listed by systemctl --failed until it is reset. Only the failed ones are reset: systemctl reset-failed
     * complains of each unit that is not loaded, and once the files are gone most are not.
     */
    private void resetFailed(ContainerConfig c) {
        List<String> units = List.of(Converter.serviceName(c.name()), Converter.dirsServiceName(c.name()), Converter.mountName(c),
                Converter.automountName(c));
        List<String> failed;
        try (HostBus bus = args.context().bus().get()) {
            failed = units.stream().filter(u -> bus.unit(u).activeState().equals("failed")).toList();
        } catch (HostBus.Failure e) {
            failed = units; // no answer: reset them all, and let systemctl say which were not loaded
        }
        if (failed.isEmpty()) return;
        List<String> reset = new ArrayList<>(List.of("reset-failed"));
        reset.addAll(failed);
        args.context().systemctl().run(reset.toArray(String[]::new)); // its status is ignored: a unit unloaded meanwhile needs no reset
    }

    /**
     * Deletes the child's mount point, IMAGE_ROOT/NAME, if it is an empty directory that nothing is mounted on,
     * and says why it is kept otherwise. A symlink there is neither followed nor deleted.
     */
    private boolean removeMountPoint(ContainerConfig c, PrintWriter out) throws IOException {
        Path where = Path.of(c.where());
        Optional<Node> n = Node.stat(where);
        if (n.isEmpty()) return false;
        if (n.get().type() != Node.Type.DIRECTORY) {
            out.println("jspawn: note: kept " + where + ": it is not a directory but a " + n.get().type().toString().toLowerCase(java.util.Locale.ROOT));
            return false;
        }
        Optional<String> mounted = MountInfo.at(args.context().proc(), c.where());
        if (mounted.isPresent()) {
            out.println("jspawn: note: kept " + where + ": a file system (" + mounted.get() + ") is mounted on it");
            return false;
        }
        try {
            Files.delete(where); // a directory: rmdir, which deletes only an empty one
            return true;
        } catch (DirectoryNotEmptyException e) {
            out.println("jspawn: note: kept " + where + ": it is not empty");
            return false;
        } catch (FileSystemException e) {
            out.println("jspawn: note: kept " + where + ": " + e.getMessage());
            return false;
        }
    }
}
