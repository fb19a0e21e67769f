package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.verify.TestBundle;
import dev.airlock.verify.keys.SigningKey;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** serve of a .tar.zst decompresses it only up to what its blobs need: a bomb is refused, a bundle served. */
@Timeout(60)
class ServeDecompressionBombTest {
  @Test
  void aBombIsRefusedAndAGoodOneServed(@TempDir Path tmp) throws Exception {
    Path tar = TestBundle.build(tmp, SigningKey.generate(), null, Instant.now());
    Path bomb = tmp.resolve("bomb.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(bomb), 19)) {
      Files.copy(tar, out);
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 128; i++) {
        out.write(zeros);
      }
    }
    Path scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    java.sql.DriverManager.getConnection("jdbc:sqlite::memory:").close();
    String saved = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
    try {
      // refused by the stream scan (data after the end of the archive) or at the bound, before it fills the disk
      assertThatThrownBy(() -> ServedContent.open(bomb)).hasMessageContaining(bomb.toString())
          .message().containsAnyOf("decompresses to more than", "end-of-archive");
      try (Stream<Path> s = Files.list(scratch)) {
        assertThat(s.toList()).isEmpty();
      }
      Path good = tmp.resolve("good.tar.zst");
      try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(good))) {
        Files.copy(tar, out);
      }
      try (ServedContent c = ServedContent.open(good)) {
        assertThat(c.indexEntries()).isNotEmpty();
      }
    } finally {
      System.setProperty("java.io.tmpdir", saved);
    }
  }
}
