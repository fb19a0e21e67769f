package dev.airlock.store.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A compressed archive decompresses to at most the bound its verified blobs give, and leaves nothing behind. */
class ArchiveFileBoundTest {
  @Test
  void decompressionStopsAtTheBoundAndDeletesItsCopy(@TempDir Path tmp) throws Exception {
    Path z = tmp.resolve("big.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(z), 19)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        out.write(zeros);
      }
    }
    assertThat(Files.size(z)).isLessThan(32 * 1024);
    Path scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    String saved = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
    try {
      long bound = ExpansionBound.of(Map.of(Digest.sha256(new byte[10]), 1024L * 1024));
      assertThat(bound).isBetween(5L << 20, 6L << 20);
      assertThatThrownBy(() -> ArchiveFile.open(z, bound)).isInstanceOf(InvalidInputException.class)
          .hasMessage(z + ": decompresses to more than " + bound + " bytes, more than the blobs its verified content"
              + " declares need; refused before it fills the disk");
      try (Stream<Path> s = Files.list(scratch)) {
        assertThat(s.toList()).isEmpty();
      }
      try (ArchiveFile f = ArchiveFile.open(z, 64L << 20)) { // exactly its size: within the bound
        assertThat(f.channel().size()).isEqualTo(64L << 20);
      }
    } finally {
      System.setProperty("java.io.tmpdir", saved);
    }
  }
}
