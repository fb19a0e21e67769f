package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.sigstore.CertificateIdentity;
import dev.airlock.verify.sigstore.TestSigstore;
import dev.airlock.verify.sigstore.TrustRoot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Legacy cosign keyless {@code .sig}: Fulcio-style certificate + Rekor SignedEntryTimestamp, with a test CA and log. */
class CosignKeylessSignatureTest {
  static final Digest IMAGE = Digest.sha256("image".getBytes(StandardCharsets.UTF_8));
  static final String ID = "release@acme.example";
  static final String ISSUER = "https://accounts.google.com";
  static final CertificateIdentity WHO = new CertificateIdentity(ID, null, ISSUER);
  static final byte[] PAYLOAD = TestImages.simpleSigningPayload("example.test/team/app", IMAGE);
  static TestSigstore sigstore;
  static TestSigstore rogue;
  static TrustRoot root;

  @BeforeAll
  static void setUp() throws Exception {
    sigstore = new TestSigstore("test-fulcio");
    rogue = new TestSigstore("rogue-fulcio");
    root = TrustRoot.of(sigstore.trustedRootJson(), "test trusted root", null);
  }

  @Test
  void verifiesWithTheTrustedCaAndLog() throws Exception {
    Map<String, String> a = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore);
    assertThatCode(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root, WHO)).doesNotThrowAnyException();
    CertificateIdentity regexp = new CertificateIdentity(null, "^release@acme\\.example$", ISSUER);
    assertThatCode(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root, regexp)).doesNotThrowAnyException();
    // the payload must name the image
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, Digest.sha256(new byte[1]), root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("names");
  }

  @Test
  void wrongIdentityOrIssuerFails() throws Exception {
    Map<String, String> a = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root,
        new CertificateIdentity("someone-else@acme.example", null, ISSUER)))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not name");
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root,
        new CertificateIdentity(ID, null, "https://token.actions.githubusercontent.com")))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not name");
  }

  @Test
  void signedEntryTimestampFromAnotherKeyFails() throws Exception {
    Map<String, String> forged = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore, rogue.rekorKey());
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, forged, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("SignedEntryTimestamp does not verify");
    // a log the trusted root does not name
    Map<String, String> otherLog = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, rogue);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, otherLog, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not in the trusted root");
  }

  @Test
  void certificateFromAnotherCaFails() throws Exception {
    Map<String, String> a = rogue.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not chain");
  }

  @Test
  void certificateOrSignatureOtherThanTheLoggedOnesFails() throws Exception {
    Map<String, String> logged = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore);
    Map<String, String> unlogged = sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore);
    // a valid certificate and signature, but the Rekor entry is someone else's
    Map<String, String> swapped = new HashMap<>(unlogged);
    swapped.put(CosignSignatureVerifier.BUNDLE_ANNOTATION, logged.get(CosignSignatureVerifier.BUNDLE_ANNOTATION));
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, swapped, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("records another");
  }

  @Test
  void signatureOverAnotherPayloadFails() throws Exception {
    Map<String, String> a = new HashMap<>(sigstore.issue(ID, ISSUER).signCosign(PAYLOAD, sigstore));
    byte[] other = new String(PAYLOAD, StandardCharsets.UTF_8).replace("team/app", "team/evil").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(other, a, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not about this payload");
  }

  /**
   * The Sigstore time rules on the image-policy path: the Rekor integrated time (signed by the log in the
   * SignedEntryTimestamp, so nothing but the time is wrong) must lie within the Fulcio certificate's validity
   * and must not be in the future.
   */
  @Test
  void anIntegratedTimeOutsideTheCertificateOrInTheFutureFails() throws Exception {
    TestSigstore.Leaf leaf = sigstore.issue(ID, ISSUER);
    Instant notBefore = leaf.cert().getNotBefore().toInstant();
    Instant notAfter = leaf.cert().getNotAfter().toInstant();
    assertThatCode(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD,
        leaf.signCosign(PAYLOAD, sigstore, sigstore.rekorKey(), notAfter), IMAGE, root, WHO)).doesNotThrowAnyException();
    for (Instant outside : new Instant[] {notAfter.plusSeconds(1), notBefore.minusSeconds(1)}) {
      Map<String, String> a = leaf.signCosign(PAYLOAD, sigstore, sigstore.rekorKey(), outside);
      assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, a, IMAGE, root, WHO)).as(outside.toString())
          .isInstanceOf(VerificationException.class).hasMessageContaining("outside the signing certificate's validity");
    }
    Map<String, String> future = leaf.signCosign(PAYLOAD, sigstore, sigstore.rekorKey(), Instant.now().plusSeconds(86400));
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyless(PAYLOAD, future, IMAGE, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("is in the future");
  }
}
