package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.TestBundle;
import dev.airlock.verify.keys.SigningKey;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** audit of malformed bundles: one line naming the file and what was expected, and no temp file left behind. */
class AuditHostileInputTest {
  @TempDir Path tmp;
  Path scratch;
  String savedTmp;

  @BeforeEach
  void ownTempDir() throws Exception {
    // the SQLite driver unpacks its native library into java.io.tmpdir once per JVM: before the switch
    java.sql.DriverManager.getConnection("jdbc:sqlite::memory:").close();
    scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    savedTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmp);
  }

  private Path zstd(Path tar) throws Exception {
    Path z = tar.resolveSibling(tar.getFileName() + ".zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(z))) {
      Files.copy(tar, out);
    }
    return z;
  }

  private void assertNoTempLeft() throws Exception {
    try (Stream<Path> s = Files.list(scratch)) {
      assertThat(s.toList()).as("files left in java.io.tmpdir").isEmpty();
    }
  }

  @Test
  void aTruncatedTarZstNamesTheFileAndWhatWasExpected() throws Exception {
    Path z = zstd(TestBundle.build(tmp, SigningKey.generate(), null, Instant.now()));
    byte[] all = Files.readAllBytes(z);
    Path cut = tmp.resolve("cut.tar.zst");
    Files.write(cut, Arrays.copyOf(all, all.length / 2));
    CommandResult r = CommandResult.run("audit", cut.toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).startsWith("airlock: " + cut).contains("zstd").contains("expected")
        .doesNotContain("\n");
    assertThat(r.err().strip()).isNotEqualTo("airlock: Truncated source");
    assertNoTempLeft();
  }

  @Test
  void malformedInputsLeaveNoTempFile() throws Exception {
    Path good = TestBundle.build(tmp, SigningKey.generate(), null, Instant.now());
    byte[] tar = Files.readAllBytes(good);
    Random rnd = new Random(22);
    int cases = 0;
    for (int i = 0; i < 12; i++) {
      byte[] bad;
      switch (i % 4) {
        case 0 -> bad = Arrays.copyOf(tar, 512 + rnd.nextInt(tar.length - 1024)); // cut short
        case 1 -> {
          bad = tar.clone();
          for (int k = 0; k < 64; k++) {
            bad[rnd.nextInt(bad.length)] ^= (byte) (1 + rnd.nextInt(255)); // scrambled
          }
        }
        case 2 -> {
          bad = new byte[4096 + rnd.nextInt(4096)];
          rnd.nextBytes(bad);
          bad[0] = 0x28; bad[1] = (byte) 0xb5; bad[2] = 0x2f; bad[3] = (byte) 0xfd; // zstd magic, garbage after
        }
        default -> {
          bad = new byte[2048];
          rnd.nextBytes(bad); // random bytes
        }
      }
      Path f = tmp.resolve("bad-" + i + ".tar" + (i % 4 == 2 ? ".zst" : ""));
      Files.write(f, bad);
      CommandResult r = CommandResult.run("audit", f.toString());
      if (r.exitCode() != 0) {
        cases++;
        assertThat(r.err().strip()).as("audit of case %d", i).startsWith("airlock: ").doesNotContain("\n")
            .doesNotContain("Exception");
      }
      assertNoTempLeft();
    }
    assertThat(cases).isGreaterThanOrEqualTo(6);
  }
}
