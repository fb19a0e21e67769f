package dev.airlock.verify.notation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the walk of a Notation trust store directory ({@link TrustStore#load}): the fuzzer's bytes become a
 * directory tree (directories, files with contents, symbolic links to anywhere, {@code /dev/zero} and loops
 * included) under a fresh directory, which is loaded both as a trust store and as the configuration directory
 * above one; what loads is then read ({@code names}, {@code certificates} of every store, {@code crls}). A
 * tree is refused only with airlock's own errors.
 *
 * <p>An input is a sequence of records {@code kind(1) pathLength(1) path contentLength(2, big-endian)
 * content}: kind 0 a directory, 1 a file holding the content, 2 a symbolic link to the content; paths are cut
 * into names at {@code /}, and {@code .}, {@code ..} and empty names dropped, so the tree stays under its
 * directory (the links' targets do not).
 */
class TrustStoreDirectoryFuzzTest {
  static final int MAX_ENTRIES = 64;

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void trustStoreDirectory(byte[] data) throws IOException {
    Path dir = Files.createTempDirectory(Fuzzing.scratch(), "truststore-");
    try {
      build(dir, data);
      load(dir);
      load(dir.resolve("truststore"));
    } finally {
      Fuzzing.deleteTree(dir);
    }
  }

  private static void load(Path dir) throws IOException {
    TrustStore store;
    try {
      store = TrustStore.load(dir);
    } catch (AirlockException refused) {
      return; // refused in airlock's words
    }
    for (String name : store.names()) {
      store.certificates(name);
    }
    store.crls();
    store.source();
  }

  /** Writes the records of {@code data} under {@code dir}; a record that cannot be made is skipped. */
  static void build(Path dir, byte[] data) {
    int at = 0;
    for (int entries = 0; entries < MAX_ENTRIES && at + 4 <= data.length; entries++) {
      int kind = (data[at] & 0xff) % 3;
      int pathLength = data[at + 1] & 0xff;
      at += 2;
      String path = new String(data, at, Math.min(pathLength, data.length - at), StandardCharsets.UTF_8);
      at = Math.min(data.length, at + pathLength);
      int contentLength = at + 2 <= data.length ? ((data[at] & 0xff) << 8) | (data[at + 1] & 0xff) : 0;
      at = Math.min(data.length, at + 2);
      byte[] content = java.util.Arrays.copyOfRange(data, at, Math.min(data.length, at + contentLength));
      at = Math.min(data.length, at + contentLength);
      Path p = under(dir, path);
      if (p == null) {
        continue;
      }
      try {
        Files.createDirectories(p.getParent());
        switch (kind) {
          case 0 -> Files.createDirectories(p);
          case 1 -> Files.write(p, content);
          default -> {
            String target = new String(content, StandardCharsets.UTF_8).replace('\0', '_');
            Files.createSymbolicLink(p, Path.of(target.isEmpty() ? "." : target));
          }
        }
      } catch (IOException | RuntimeException e) {
        // not makeable here (a name that is a file already, an invalid target): skipped
      }
    }
  }

  private static Path under(Path dir, String path) {
    List<String> names = new ArrayList<>();
    for (String n : path.split("/")) {
      if (n.isEmpty() || n.equals(".") || n.equals("..") || n.indexOf('\0') >= 0 || n.length() > 64) {
        continue;
      }
      names.add(n);
    }
    if (names.isEmpty() || names.size() > 8) {
      return null;
    }
    Path p = dir;
    for (String n : names) {
      p = p.resolve(n);
    }
    return p.normalize().startsWith(dir) ? p : null;
  }
}
