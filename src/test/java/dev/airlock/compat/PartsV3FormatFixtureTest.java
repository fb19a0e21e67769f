package dev.airlock.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.bundle.parts.PartFile;
import dev.airlock.bundle.parts.SeekablePart;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compressed parts fixture of part format version 3 (src/test/resources/fixtures/parts-v3, never regenerated:
 * independent frames and a seek table) keeps verifying, part by part and as a set, importing with every digest
 * preserved, and reading from any offset of a part's data through its seek table.
 */
class PartsV3FormatFixtureTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/parts-v3");
  static final Digest MULTIARCH = Digest.parse("sha256:c8eef12a4693004b39509482e5648c61d4b56732c4f87a28414d8695eaa5343c");
  static final Digest TOOLS = Digest.parse("sha256:170ca15e33a2d8b26754666bcbe9fce46b28e7a2be708521e3ccda581b952623");
  static final Digest PAYLOAD = Digest.parse("sha256:76ff4ce520e5aacef69babd3955d77d9710029574d4e42b735813927424a67b0");
  @TempDir Path tmp;

  static Path part(int i) {
    return DIR.resolve("v3-parts.part-00" + i + "-of-005.tar.zst");
  }

  @Test
  void theFixtureIsTheBytesThatWereCommitted() throws Exception {
    for (String line : Files.readAllLines(DIR.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(Digest.sha256(Files.readAllBytes(DIR.resolve(f[1]))).hex()).as(f[1]).isEqualTo(f[0]);
    }
    PartFile two = PartFile.open(part(2));
    assertThat(two.manifest().formatVersion()).isEqualTo(3);
    assertThat(two.compressed()).isTrue();
    assertThat(two.framed()).isTrue();
    assertThat(two.seekable()).isTrue();
    assertThat(two.manifest().frames().size()).isEqualTo(2048);
    assertThat(two.manifest().frames().count()).isEqualTo(27);
    assertThat(two.manifest().bundleDigest().hex())
        .isEqualTo("9b618aba8f44ce17364ce0ac0fb45e9f6943a48d7a8716826560a23eef4fbbb0");
  }

  @Test
  void eachPartVerifiesAloneAndTheSetVerifies() {
    for (int i = 1; i <= 5; i++) {
      CommandResult r = CommandResult.run("verify", part(i).toString(), "--this-part", "--key",
          DIR.resolve("fixture.pub").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("this is part " + i + " of 5 of bundle 'fixture-v3-zstd'")
          .contains("manifest signed by key cf049d95f7c6");
    }
    CommandResult set = CommandResult.run("verify", DIR.toString(), "--key", DIR.resolve("fixture.pub").toString());
    assertThat(set.exitCode()).as(set.out() + set.err()).isZero();
    assertThat(set.out()).contains("signed by key cf049d95f7c6").contains("Verified.");
  }

  @Test
  void theSetImportsWithEveryDigestPreserved() throws Exception {
    Path out = tmp.resolve("imported");
    CommandResult r = CommandResult.run("import", part(3).toString(), "--to", "oci:" + out, "--key",
        DIR.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.resolve("samples/tools", "1.0").orElseThrow().digest()).isEqualTo(TOOLS);
    assertThat(t.resolve("samples/payload", "1.0").orElseThrow().digest()).isEqualTo(PAYLOAD);
    assertThat(t.referrers("samples/tools", TOOLS, null)).hasSize(1);
    t.verifyAllBlobs();
  }

  /** Every part's data read from random offsets (frame starts, inside frames, the last byte) is its sequential data. */
  @Test
  void anyRangeOfAPartsDataReadsThroughTheSeekTable() throws Exception {
    Random random = new Random(15);
    ByteArrayOutputStream bundle = new ByteArrayOutputStream();
    for (int i = 1; i <= 5; i++) {
      PartFile pf = PartFile.open(part(i));
      byte[] all;
      try (InputStream in = pf.openData()) {
        all = in.readAllBytes();
      }
      assertThat(all).hasSize((int) pf.dataSize());
      bundle.write(all);
      try (SeekablePart sp = SeekablePart.open(pf)) {
        assertThat(sp.dataSize()).isEqualTo(all.length);
        long[] starts = {0, sp.frameSize(), sp.frameSize() - 1, all.length - 1, all.length};
        for (long from : starts) {
          try (InputStream in = sp.openData(from)) {
            assertThat(in.readAllBytes()).as("part %d from %d", i, from)
                .isEqualTo(Arrays.copyOfRange(all, (int) from, all.length));
          }
        }
        for (int k = 0; k < 40; k++) {
          int from = random.nextInt(all.length);
          int len = random.nextInt(Math.min(9000, all.length - from) + 1);
          try (InputStream in = sp.openData(from, len)) {
            assertThat(in.readAllBytes()).as("part %d bytes %d+%d", i, from, len)
                .isEqualTo(Arrays.copyOfRange(all, from, from + len));
          }
        }
      }
      int from = all.length / 3;
      try (InputStream in = pf.openData(from, 100)) { // the one-off form, through PartFile
        assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(all, from, from + 100));
      }
    }
    assertThat(Digest.sha256(bundle.toByteArray()).hex())
        .isEqualTo("9b618aba8f44ce17364ce0ac0fb45e9f6943a48d7a8716826560a23eef4fbbb0");
  }

  /** A byte changed in the seek table, or a frame size in it changed consistently, is refused on opening. */
  @Test
  void aChangedSeekTableIsRefused() throws Exception {
    byte[] b = Files.readAllBytes(part(2));
    Path bad = tmp.resolve("v3-parts.part-002-of-005.tar.zst");
    byte[] flipped = b.clone();
    flipped[b.length - 9 - 8 * 3 + 1] ^= 0x01; // a compressed size of a data frame near the end
    Files.write(bad, flipped);
    PartFile pf = PartFile.open(bad);
    assertThatThrownBy(() -> SeekablePart.open(pf)).isInstanceOf(VerificationException.class)
        .hasMessageContaining("seek table");
    CommandResult r = CommandResult.run("verify", bad.toString(), "--this-part", "--key",
        DIR.resolve("fixture.pub").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isNotZero();
    assertThat(r.out() + r.err()).contains("seek table");
  }
}
