package dev.airlock.verify.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.store.archive.TarIndex;
import dev.airlock.testing.Fuzzing;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fuzzes the two readers of bundle tarballs with arbitrary files: {@link BundleTarScanner} (verify and
 * import; both its sequential pass, which also takes zstd, and its headers-first pass over a seekable file)
 * and {@link TarIndex} (the random-access reader of inspect, serve and volume parts). Either accepts the
 * file or refuses it with airlock's own one-line error, and leaves no spool directory behind.
 */
class BundleTarFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void bundleTarball(byte[] data) throws IOException {
    Path dir = Files.createTempDirectory(Fuzzing.scratch(), "in-");
    try {
      Path file = dir.resolve("bundle.tar");
      Files.write(file, data);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        TarIndex.scan(ch, "bundle.tar");
      } catch (AirlockException expected) {
        // refused in airlock's words
      }
      for (int threads : new int[] {0, 1}) {
        try (BundleScan scan = BundleTarScanner.scan(file, dir, threads)) {
          assertThat(scan.blobs()).isNotNull();
        } catch (AirlockException expected) {
          // refused in airlock's words
        }
      }
      try (var left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString())).containsExactly("bundle.tar");
      }
    } finally {
      Fuzzing.deleteTree(dir);
    }
  }
}
