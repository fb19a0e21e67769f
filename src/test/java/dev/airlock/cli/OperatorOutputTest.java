package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the commands tell an operator, as they print it when not on a terminal (a log, a pipe, CI). */
class OperatorOutputTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  @TempDir Path tmp;

  @Test
  void auditNamesTheSignerAndSaysWhetherItVerifiesWithTheKeyGiven() throws Exception {
    String bundle = V1.resolve("v1-full.tar").toString();
    CommandResult named = CommandResult.run("audit", bundle);
    assertThat(named.exitCode()).as(named.err()).isZero();
    assertThat(named.out()).contains("signature:         signed by key c4f5201a645b (as the signature names it, not"
        + " verified: give --key PUB to check it)");

    CommandResult verified = CommandResult.run("audit", bundle, "--key", V1.resolve("fixture.pub").toString());
    assertThat(verified.exitCode()).as(verified.err()).isZero();
    assertThat(verified.out()).contains("signed by key c4f5201a645b: verified, with " + V1.resolve("fixture.pub")
        + ": bundle 'fixture-v1-full' created 2025-12-02T00:00:00Z signed by key c4f5201a645b");

    Path other = tmp.resolve("other.pub");
    Files.writeString(other, PublicKeys.toPem(SigningKey.generate().publicKey()));
    CommandResult wrong = CommandResult.run("audit", bundle, "--key", other.toString(), "-o", "json");
    assertThat(wrong.exitCode()).isEqualTo(3);
    assertThat(wrong.out()).contains("\"verified\" : false").contains("\"keyIdHint\" : \"c4f5201a645b");
  }

  @Test
  void importWithoutATerminalPrintsCompleteLinesNotBarePhaseWords() {
    CommandResult r = CommandResult.run("import", V1.resolve("v1-filtered.tar").toString(), "--to",
        "oci:" + tmp.resolve("out"), "--key", V1.resolve("fixture.pub").toString(), "--catalog",
        tmp.resolve("h.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    for (String line : r.err().split("\\R")) {
      assertThat(line).as("a complete line").contains(" ");
    }
    assertThat(r.err()).contains("verify: verifying the bundle offline").containsPattern("verify: done in [0-9.]+s")
        .containsPattern("push: pushing blobs and manifests \\([0-9]+ item\\(s\\), about [0-9.]+ KiB\\)")
        .contains("check: re-reading the target");
  }
}
