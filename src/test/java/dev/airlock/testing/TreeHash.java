package dev.airlock.testing;

import dev.airlock.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** What tests compare to prove that nothing was written under a directory (a registry's storage, a layout). */
public final class TreeHash {
  private TreeHash() {}

  /** A hash over every path and file's bytes under {@code dir}, in sorted order; "absent" when there is no such directory. */
  public static String of(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return "absent";
    }
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.sorted().toList();
    }
    for (Path f : files) {
      md.update(dir.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
      if (Files.isRegularFile(f)) {
        try (InputStream in = Files.newInputStream(f)) {
          md.update(in.readAllBytes());
        }
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
