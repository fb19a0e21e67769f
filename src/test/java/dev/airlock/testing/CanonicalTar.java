package dev.airlock.testing;

import dev.airlock.bundle.BundleTarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a tar in airlock's canonical bundle form (docs/verification.md, "Canonical tar form") from any set
 * of entries, as {@link BundleTarWriter} would: names sorted, a directory entry for each parent directory,
 * the writer's own headers, zero padding and the two end-of-archive records. For tests that build bundles
 * by hand (with content the bundler would refuse to write).
 */
public final class CanonicalTar {
  private CanonicalTar() {}

  /** Each entry's content: {@code byte[]} or a {@link Path} to copy. */
  public static Path write(Path out, Map<String, ?> files) throws IOException {
    TreeMap<String, Object> all = new TreeMap<>();
    for (Map.Entry<String, ?> e : files.entrySet()) {
      String name = e.getKey();
      for (int i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
        all.put(name.substring(0, i + 1), Boolean.TRUE);
      }
      all.put(name, e.getValue());
    }
    try (OutputStream os = Files.newOutputStream(out)) {
      for (Map.Entry<String, Object> e : all.entrySet()) {
        Object v = e.getValue();
        if (v instanceof Boolean) {
          os.write(BundleTarWriter.header(e.getKey(), 0, true));
          continue;
        }
        long size = v instanceof byte[] b ? b.length : Files.size((Path) v);
        os.write(BundleTarWriter.header(e.getKey(), size, false));
        if (v instanceof byte[] b) {
          os.write(b);
        } else {
          try (InputStream in = Files.newInputStream((Path) v)) {
            in.transferTo(os);
          }
        }
        os.write(new byte[(int) ((512 - size % 512) % 512)]);
      }
      os.write(new byte[1024]);
    }
    return out;
  }
}
