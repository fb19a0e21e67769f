package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.PartSet;
import dev.airlock.oci.Digest;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: {@code verify} (and {@code import}) of a set of parts with its checksum file beside it hash each part
 * file once for the checksum file: in {@link PartSet#check}'s pass over the part's data (its framing with it), not
 * again in the bundle scan. The digests that pass gives are exactly the files' SHA-256, and they are what the
 * checksum file is checked against (a wrong one given in their place fails, naming the checksum file and the part).
 */
class SetChecksumHashedOnceTest {
  @TempDir Path tmp;

  @Test
  void thePartFilesAreHashedForTheChecksumFileInThePartCheck() throws Exception {
    SigningKey key = SigningKey.generate();
    Path dir = ByteFlipTest.signedBundle(tmp, key, 64 * 1024).getParent();
    Path sums = dir.resolve("flips.tar.sha256");
    assertThat(sums).exists();
    List<Path> parts;
    try (Stream<Path> s = Files.list(dir)) {
      parts = s.filter(p -> p.getFileName().toString().matches("flips\\.part-\\d+-of-\\d+\\.tar")).sorted().toList();
    }
    assertThat(parts).hasSizeGreaterThanOrEqualTo(3);
    Path pub = tmp.resolve("k.pub");
    Files.writeString(pub, PublicKeys.toPem(key.publicKey()));
    List<PublicKey> keys = List.of(PublicKeys.load(pub));

    Map<Path, Digest> digests = PartSet.check(dir, keys, false).fileDigests();
    assertThat(digests).hasSize(parts.size());
    for (Path p : parts) {
      assertThat(digests.get(p.toAbsolutePath().normalize())).as(p.toString()).isEqualTo(Digest.sha256(p));
    }
    VerifyOptions opts = VerifyOptions.withKeys(keys);
    assertThat(OfflineVerifier.verify(dir, opts, digests).passed()).isTrue();
    assertThat(OfflineVerifier.verify(dir, opts).passed()).isTrue(); // without them the scan hashes the files

    // the digests given are the ones checked: the scan did not hash the files again
    Map<Path, Digest> wrong = new HashMap<>(digests);
    Path second = parts.get(1).toAbsolutePath().normalize();
    wrong.put(second, Digest.sha256("not this part".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    VerificationReport r = OfflineVerifier.verify(dir, opts, wrong);
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains(sums.toString()).contains("part " + second.getFileName());

    // through the command line: a checksum line edited for part 2 fails verify of the set, exit 3
    String text = Files.readString(sums);
    String hex = Digest.sha256(parts.get(1)).hex();
    assertThat(text).contains(hex);
    Files.writeString(sums, text.replace(hex, "0".repeat(64)));
    CommandResult v = CommandResult.run("verify", dir.toString(), "--key", pub.toString());
    assertThat(v.exitCode()).as(v.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    assertThat(v.err()).contains(sums.getFileName().toString()).contains(parts.get(1).getFileName().toString());
    Files.writeString(sums, text);
    CommandResult ok = CommandResult.run("verify", dir.toString(), "--key", pub.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
  }
}
