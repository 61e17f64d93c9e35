import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Makes DIR/base and DIR/upper for bench/prune: FILES files in the upper dir, spread over
 * directories of 200; 80% identical copies of the base's, 10% changed, 10% the child's own.
 * Run with: java bench/MakePruneTree.java DIR FILES
 */
public class MakePruneTree {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        Random r = new Random(1);
        for (int i = 0; i < files; i++) {
            String rel = "usr/share/d" + (i / 200) + "/f" + i;
            Path b = dir.resolve("base").resolve(rel), u = dir.resolve("upper").resolve(rel);
            if (i % 200 == 0) {
                Files.createDirectories(b.getParent());
                Files.createDirectories(u.getParent());
            }
            byte[] data = new byte[256 + r.nextInt(4096)];
            r.nextBytes(data);
            Files.write(b, data);
            int kind = i % 10;
            if (kind < 8) Files.write(u, data);
            else if (kind == 8) Files.writeString(u, "changed " + i);
            else Files.writeString(u.resolveSibling("own" + i), "own");
        }
    }
}
