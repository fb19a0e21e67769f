package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineVerifierTest {
  static final Instant TODAY = Instant.parse("2026-11-23T12:00:00Z");
  static final Instant RECORDED = Instant.parse("2026-08-22T00:00:00Z");
  static SigningKey bundleKey;
  static SigningKey imageKey;
  @TempDir static Path tmp;

  @BeforeAll
  static void keys() throws Exception {
    bundleKey = SigningKey.generate();
    imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
  }

  private static VerifyOptions opts(SigningKey... keys) {
    return VerifyOptions.withKeys(java.util.Arrays.stream(keys).map(SigningKey::publicKey).toList())
        .withClock(Clock.fixed(TODAY, ZoneOffset.UTC));
  }

  private static Policy policy(String yaml) throws Exception {
    Path p = tmp.resolve("policy-" + System.nanoTime() + ".yaml");
    Files.writeString(p, yaml);
    return Policy.load(p);
  }

  @Test
  void signedBundleVerifiesWithItsKeyAndPolicy() throws Exception {
    Path bundle = TestBundle.build(tmp, bundleKey, imageKey, RECORDED);
    Policy p = policy("apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/**'\n  rules:\n  - signedBy: [image.pub]\n");
    VerificationReport r = OfflineVerifier.verify(bundle, opts(bundleKey).withPolicy(p, tmp));
    assertThat(r.firstFailure()).isNull();
    assertThat(r.passed()).isTrue();
    assertThat(r.images()).hasSize(1);
    assertThat(r.images().get(0).rules().get(0).why()).contains("cosign signature");

    CommandResult cli = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("bundle.pub").toString());
    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(cli.out()).contains("Verified.");
    CommandResult json = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("bundle.pub").toString(), "-o", "json");
    assertThat(dev.airlock.oci.Json.tree(json.out().getBytes(), "out").path("passed").asBoolean()).isTrue();
  }

  @Test
  void flippingOneByteInAnyBlobFailsNamingThatBlob() throws Exception {
    Path bundle = TestBundle.build(tmp, bundleKey, imageKey, RECORDED);
    byte[] tar = Files.readAllBytes(bundle);
    int checked = 0;
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(bundle))) {
      var e = in.getNextEntry();
      while (e != null) {
        if (e.isFile() && e.getName().startsWith("blobs/")) {
          byte[] content = in.readAllBytes();
          int at = TestBundle.offsetOf(tar, content);
          byte[] copy = tar.clone();
          copy[at + content.length / 2] ^= 0x01;
          Path bad = tmp.resolve("bad-" + checked + ".tar");
          Files.write(bad, copy);
          VerificationReport r = OfflineVerifier.verify(bad, opts(bundleKey));
          String digest = "sha256:" + e.getName().substring("blobs/sha256/".length());
          assertThat(r.passed()).isFalse();
          assertThat(r.firstFailure()).contains("integrity").contains(digest);
          checked++;
        }
        e = in.getNextEntry();
      }
    }
    assertThat(checked).isGreaterThan(8);
  }

  @Test
  void anotherKeysSignatureFails() throws Exception {
    SigningKey other = SigningKey.generate();
    Path bundle = TestBundle.build(tmp, other, imageKey, RECORDED);
    VerificationReport r = OfflineVerifier.verify(bundle, opts(bundleKey));
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains("bundle signature").contains("does not verify");
    CommandResult cli = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("bundle.pub").toString());
    assertThat(cli.exitCode()).isEqualTo(3);
  }

  @Test
  void unsignedFailsUnlessAllowed() throws Exception {
    Path bundle = TestBundle.build(tmp, null, imageKey, RECORDED);
    assertThat(OfflineVerifier.verify(bundle, opts(bundleKey)).firstFailure()).contains("not signed");
    assertThat(OfflineVerifier.verify(bundle, opts(bundleKey).withAllowUnsigned(true)).passed()).isTrue();
  }

  @Test
  void removedImageSignatureFailsThePolicy() throws Exception {
    Path bundle = TestBundle.build(tmp, bundleKey, null, RECORDED);
    Path policyFile = tmp.resolve("sig-policy.yaml");
    Files.writeString(policyFile, "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/*'\n  rules:\n  - signedBy: [image.pub]\n");
    CommandResult cli = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("bundle.pub").toString(),
        "--policy", policyFile.toString());
    assertThat(cli.exitCode()).isEqualTo(3);
    assertThat(cli.out()).contains("FAIL").contains("no signature found");
  }

  @Test
  void trustRootFromTufValidatesAtTheSignedCreationTime() throws Exception {
    Path repo = SharedTestData.sigstore("tuf-repo");
    String yaml = "apiVersion: airlock.dev/v1\ntrust:\n  tufRepository: " + repo + "\n%s"
        + "images:\n- match: 'example.test/**'\n  require: any\n  rules:\n  - signedBy: [image.pub]\n"
        + "  - keyless: {identity: someone@example.com, issuer: https://accounts.google.com}\n";
    Policy p = policy(String.format(yaml, ""));
    // recorded in the signed statement: the snapshot was valid then
    VerificationReport ok = OfflineVerifier.verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED),
        opts(bundleKey).withPolicy(p, tmp));
    assertThat(ok.firstFailure()).isNull();
    assertThat(ok.checks()).anyMatch(c -> c.name().equals("trust root") && c.passed());
    // created today: timestamp and root have expired
    VerificationReport expired = OfflineVerifier.verify(TestBundle.build(tmp, bundleKey, imageKey, TODAY),
        opts(bundleKey).withPolicy(p, tmp));
    assertThat(expired.passed()).isFalse();
    assertThat(expired.firstFailure()).contains("trust root").contains("expired");
    // the policy's maximum age refuses a recorded time that is too old
    Policy strict = policy(String.format(yaml, "  maxAge: P30D\n"));
    VerificationReport tooOld = OfflineVerifier.verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED),
        opts(bundleKey).withPolicy(strict, tmp));
    assertThat(tooOld.firstFailure()).contains("maxAge");
    // a pinned trusted_root.json digest must match what TUF gives
    Policy pinned = policy(String.format(yaml, "  trustedRootSha256: " + "0".repeat(64) + "\n"));
    VerificationReport badPin = OfflineVerifier.verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED),
        opts(bundleKey).withPolicy(pinned, tmp));
    assertThat(badPin.firstFailure()).contains("pins");
  }

  @Test
  void zstdCompressedBundleVerifies() throws Exception {
    Path bundle = TestBundle.build(tmp, bundleKey, imageKey, RECORDED);
    Path zst = tmp.resolve("bundle.tar.zst");
    try (var out = new com.github.luben.zstd.ZstdOutputStream(Files.newOutputStream(zst))) {
      Files.copy(bundle, out);
    }
    assertThat(OfflineVerifier.verify(zst, opts(bundleKey)).passed()).isTrue();
  }
}
