package dev.airlock.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleLock;
import dev.airlock.bundle.SpecReader;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.notation.TrustPolicyDocument;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.sigstore.TrustRoot;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file airlock reads whole is capped and must be a regular file: /dev/zero as a key is one line, not an OOM. */
class BoundedFileTest {
  private static final Path DEV_ZERO = Path.of("/dev/zero");

  interface Reader {
    void read(Path p) throws Exception;
  }

  private static final List<Reader> READERS = List.of(
      PublicKeys::load,
      p -> SigningKey.load(p, new char[0]),
      Policy::load,
      SpecReader::read,
      BundleLock::read,
      p -> TrustRoot.load(p, null),
      TrustPolicyDocument::load,
      dev.airlock.receipt.Receipt::read);

  @Test
  void aDeviceIsRefusedByEveryReaderInOneLine() {
    assumeTrue(Files.exists(DEV_ZERO), "/dev/zero is missing");
    for (Reader r : READERS) {
      assertThatThrownBy(() -> r.read(DEV_ZERO)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("/dev/zero is not a regular file").hasMessageNotContaining("\n");
    }
  }

  @Test
  void aHugeFileIsRefusedBeforeItIsRead(@TempDir Path tmp) throws Exception {
    Path huge = tmp.resolve("huge.pem");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(8L << 30); // sparse: 8 GiB that take no disk
    }
    for (Reader r : READERS) {
      assertThatThrownBy(() -> r.read(huge)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(huge + " is 8589934592 bytes, more than the ").hasMessageContaining("byte limit");
    }
  }

  @Test
  void aDirectoryOrAMissingFileIsNamed(@TempDir Path tmp) {
    assertThatThrownBy(() -> PublicKeys.load(tmp)).hasMessage("key file " + tmp + " is a directory, not a file");
    assertThatThrownBy(() -> PublicKeys.load(tmp.resolve("nope.pub")))
        .hasMessage("key file " + tmp.resolve("nope.pub") + " does not exist");
  }

  @Test
  void aKeyThatIsNotUtf8TextIsSaidSo(@TempDir Path tmp) throws Exception {
    Path bin = tmp.resolve("cosign.pub");
    Files.write(bin, new byte[] {(byte) 0xa9, (byte) 0xff, 0x00, 0x12});
    assertThatThrownBy(() -> PublicKeys.load(bin)).hasMessage("key file " + bin + " is not a UTF-8 PEM file");
  }

  @Test
  void theCliSaysOneLineForDevZeroAsAKey(@TempDir Path tmp) throws Exception {
    assumeTrue(Files.exists(DEV_ZERO), "/dev/zero is missing");
    Path bundle = dev.airlock.verify.TestBundle.build(tmp, SigningKey.generate(), null, java.time.Instant.now());
    CommandResult r = CommandResult.run("verify", bundle.toString(), "--key", DEV_ZERO.toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).isEqualTo("airlock: key file /dev/zero is not a regular file (a device, socket or pipe)");

    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(policy, "apiVersion: airlock.dev/v1\nimages:\n- match: \"**\"\n  rules:\n  - signedBy: [/dev/zero]\n");
    CommandResult p = CommandResult.run("verify", bundle.toString(), "--policy", policy.toString(), "--allow-unsigned");
    assertThat(p.exitCode()).isNotZero();
    assertThat(p.err().strip()).isEqualTo("airlock: policy " + policy
        + ": key file /dev/zero (rule 'signed by /dev/zero') is not a regular file");
  }
}
