package dev.airlock.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.PartFile;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compressed parts fixture (src/test/resources/fixtures/parts-v2, part format version 2, never regenerated)
 * keeps verifying, part by part and as a set, and importing with every digest preserved.
 */
class PartsV2FormatFixtureTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/parts-v2");
  static final Digest MULTIARCH = Digest.parse("sha256:c8eef12a4693004b39509482e5648c61d4b56732c4f87a28414d8695eaa5343c");
  static final Digest TOOLS = Digest.parse("sha256:170ca15e33a2d8b26754666bcbe9fce46b28e7a2be708521e3ccda581b952623");
  static final Digest PAYLOAD = Digest.parse("sha256:309e2521149d3e1a6f6b300a6bb2de7f21afb231735c389013ba1b67c1d6047a");
  @TempDir Path tmp;

  @Test
  void theFixtureIsTheBytesThatWereCommitted() throws Exception {
    for (String line : Files.readAllLines(DIR.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(Digest.sha256(Files.readAllBytes(DIR.resolve(f[1]))).hex()).as(f[1]).isEqualTo(f[0]);
    }
    PartFile two = PartFile.open(DIR.resolve("v2-parts.part-002-of-004.tar.zst"));
    assertThat(two.manifest().formatVersion()).isEqualTo(2);
    assertThat(two.compressed()).isTrue();
    assertThat(two.manifest().bundleDigest().hex())
        .isEqualTo("9e720ed7b5829c4146f7869c54c90fa1d3545fa5fa879d207bed112421ea9c0b");
  }

  @Test
  void eachPartVerifiesAloneAndTheSetVerifies() {
    for (int i = 1; i <= 4; i++) {
      CommandResult r = CommandResult.run("verify", DIR.resolve("v2-parts.part-00" + i + "-of-004.tar.zst").toString(),
          "--this-part", "--key", DIR.resolve("fixture.pub").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("this is part " + i + " of 4 of bundle 'fixture-v2-zstd'")
          .contains("manifest signed by key f25f4e8a3a61").contains("chunk(s) of blobs split across parts match");
    }
    CommandResult set = CommandResult.run("verify", DIR.toString(), "--key", DIR.resolve("fixture.pub").toString());
    assertThat(set.exitCode()).as(set.out() + set.err()).isZero();
    assertThat(set.out()).contains("signed by key f25f4e8a3a61").contains("Verified.");
  }

  @Test
  void theSetImportsWithEveryDigestPreserved() throws Exception {
    Path out = tmp.resolve("imported");
    CommandResult r = CommandResult.run("import", DIR.resolve("v2-parts.part-003-of-004.tar.zst").toString(), "--to",
        "oci:" + out, "--key", DIR.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.resolve("samples/tools", "1.0").orElseThrow().digest()).isEqualTo(TOOLS);
    assertThat(t.resolve("samples/payload", "1.0").orElseThrow().digest()).isEqualTo(PAYLOAD);
    assertThat(t.referrers("samples/tools", TOOLS, null)).hasSize(1);
    t.verifyAllBlobs();
  }
}
