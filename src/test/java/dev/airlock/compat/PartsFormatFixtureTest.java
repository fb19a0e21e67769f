package dev.airlock.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.PartFile;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts fixture (src/test/resources/fixtures/parts-v1, part format version 1, never regenerated) keeps
 * verifying, part by part and as a set, and importing with every digest preserved.
 */
class PartsFormatFixtureTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/parts-v1");
  static final Digest MULTIARCH = Digest.parse("sha256:c8eef12a4693004b39509482e5648c61d4b56732c4f87a28414d8695eaa5343c");
  static final Digest TOOLS = Digest.parse("sha256:170ca15e33a2d8b26754666bcbe9fce46b28e7a2be708521e3ccda581b952623");
  @TempDir Path tmp;

  @Test
  void theFixtureIsTheBytesThatWereCommitted() throws Exception {
    for (String line : Files.readAllLines(DIR.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(Digest.sha256(Files.readAllBytes(DIR.resolve(f[1]))).hex()).as(f[1]).isEqualTo(f[0]);
    }
    assertThat(PartFile.open(DIR.resolve("v1-parts.part-002-of-003.tar")).manifest().formatVersion()).isEqualTo(1);
  }

  @Test
  void eachPartVerifiesAloneAndTheSetVerifies() {
    for (int i = 1; i <= 3; i++) {
      CommandResult r = CommandResult.run("verify", DIR.resolve("v1-parts.part-00" + i + "-of-003.tar").toString(),
          "--this-part", "--key", DIR.resolve("fixture.pub").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("this is part " + i + " of 3 of bundle 'fixture-v1-full'")
          .contains("manifest signed by key f0ed776bc0b7");
    }
    CommandResult set = CommandResult.run("verify", DIR.toString(), "--key", DIR.resolve("fixture.pub").toString());
    assertThat(set.exitCode()).as(set.out() + set.err()).isZero();
    assertThat(set.out()).contains("signed by key f0ed776bc0b7").contains("Verified.");
  }

  @Test
  void theSetImportsWithEveryDigestPreserved() throws Exception {
    Path out = tmp.resolve("imported");
    CommandResult r = CommandResult.run("import", DIR.resolve("v1-parts.part-003-of-003.tar").toString(), "--to",
        "oci:" + out, "--key", DIR.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.resolve("samples/tools", "1.0").orElseThrow().digest()).isEqualTo(TOOLS);
    assertThat(t.referrers("samples/tools", TOOLS, null)).hasSize(1);
    t.verifyAllBlobs();
    assertThat(List.of(r.out())).allMatch(o -> o.contains("ok  oci:"));
  }
}
