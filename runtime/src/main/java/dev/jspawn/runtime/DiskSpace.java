package dev.jspawn.runtime;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** The free space of the file system that holds a directory. */
@FunctionalInterface
public interface DiskSpace {
    /** What the file system is ("/var (/dev/vda2)": its mount point and device) and the bytes usable on it. */
    record Free(String fileSystem, long usable) {
    }

    Free of(Path dir) throws IOException;

    /** The real one: what statvfs(3) says, as an unprivileged writer may use it (without the blocks kept for root). */
    DiskSpace FILE_STORE = dir -> {
        FileStore store = Files.getFileStore(dir);
        return new Free(store.toString(), store.getUsableSpace());
    };
}
