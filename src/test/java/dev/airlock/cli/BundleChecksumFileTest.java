package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.oci.Digest;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.TestBundle;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verify} checks {@code BUNDLE.sha256} beside a bundle when there is one (.tar and .tar.zst alike). */
class BundleChecksumFileTest {
  @TempDir Path tmp;

  @Test
  void aChecksumFileThatDisagreesFailsVerify() throws Exception {
    Path tar = TestBundle.build(tmp, null, null, Instant.parse("2026-08-22T00:00:00Z"));
    Path zst = tmp.resolve("b.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(zst), 3)) {
      Files.copy(tar, out);
    }
    for (Path bundle : new Path[] {tar, zst}) {
      Path sums = bundle.resolveSibling(bundle.getFileName() + ".sha256");
      String hex = Digest.sha256(Files.readAllBytes(bundle)).hex();
      Files.writeString(sums, hex + "  " + bundle.getFileName() + "\n");
      assertThat(verify(bundle).exitCode()).as(verify(bundle).err()).isZero();

      String other = (hex.charAt(0) == '0' ? "1" : "0") + hex.substring(1);
      Files.writeString(sums, other + "  " + bundle.getFileName() + "\n");
      CommandResult bad = verify(bundle);
      assertThat(bad.exitCode()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(bad.err().strip()).contains(sums + " disagrees with the bundle: it says sha256:" + other)
          .contains("hashes to sha256:" + hex).doesNotContain("\n");

      Files.writeString(sums, hex + "  other-name.tar\n" + other + "  third.tar\n");
      assertThat(verify(bundle).err()).contains(sums + " has no sha256 line for " + bundle.getFileName());
      Files.writeString(sums, hex + "  renamed.tar\n"); // one line: the bundle, whatever its name was
      assertThat(verify(bundle).exitCode()).isZero();
      Files.delete(sums);
      assertThat(verify(bundle).exitCode()).isZero();
    }
  }

  private static CommandResult verify(Path bundle) {
    return CommandResult.run("verify", bundle.toString(), "--allow-unsigned");
  }
}
