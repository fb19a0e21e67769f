package dev.airlock.verify.sigstore;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.oci.Digest;
import dev.airlock.testing.Fuzzing;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Fuzzes airlock's keyless Sigstore path with both of its inputs from the fuzzer: a trusted root (as a carried
 * TUF repository or {@code trust.trustedRoot} gives it, read by {@link TrustRoot#of}) and a bundle verified
 * against it by {@link SigstoreBundleVerifier#verifyKeyless} (signed time and inclusion proof required, v0.1
 * through airlock's own checks, later versions through sigstore-java's {@code KeylessVerifier}, then the
 * transparency-log entry rules). An input is a 2-byte big-endian length, the trusted root, then the bundle; the
 * committed inputs are a private deployment's root with its v0.3 and Rekor v2 bundles (hashedrekord, dsse) that
 * verify, so fuzzing starts past the certificate chain, the SCT and the inclusion proof.
 */
class KeylessSigstoreFuzzTest {
  /** What the committed bundles sign, who signed them and when they are checked (as CustomTrustedRootTest). */
  static final byte[] ARTIFACT = "site artifact".getBytes(StandardCharsets.UTF_8);
  static final CertificateIdentity WHO = new CertificateIdentity("builder@site.example", null, "https://sso.site.example");
  static final Instant NOW = TestSigstore.INTEGRATED.plusSeconds(3600);
  private static final CertificateIdentity PATTERN =
      new CertificateIdentity(null, ".*@site\\.example", null, "https://sso\\..*");
  private static final Digest DIGEST = Digest.sha256(ARTIFACT);

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void keyless(byte[] data) {
    int start = Math.min(2, data.length);
    int rootLength = data.length < 2 ? 0 : Math.min(data.length - 2, ((data[0] & 0xff) << 8) | (data[1] & 0xff));
    byte[] rootJson = Arrays.copyOfRange(data, start, start + rootLength);
    byte[] bundle = Arrays.copyOfRange(data, start + rootLength, data.length);
    TrustRoot root;
    try {
      root = TrustRoot.of(rootJson, "trusted_root.json", null);
    } catch (AirlockException refused) {
      return; // refused in airlock's words
    }
    try {
      SigstoreBundleVerifier.verifyKeyless(DIGEST, bundle, root, WHO, NOW);
    } catch (AirlockException refused) {
      // refused in airlock's words
    }
    try {
      SigstoreBundleVerifier.verifyKeyless(DIGEST, bundle, root,
          PATTERN, NOW);
    } catch (AirlockException refused) {
      // refused in airlock's words
    }
  }
}
