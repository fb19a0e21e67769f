package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.sigstore.CertificateIdentity;
import dev.airlock.verify.sigstore.TestSigstore;
import dev.airlock.verify.sigstore.TrustRoot;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keyless cosign {@code .att}: DSSE envelope, Fulcio-style certificate, Rekor intoto entry, with a test CA and log. */
class CosignKeylessAttestationTest {
  static final String ID = "release@acme.example";
  static final String ISSUER = "https://accounts.google.com";
  static final CertificateIdentity WHO = new CertificateIdentity(ID, null, ISSUER);
  static final byte[] STATEMENT = ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"https://slsa.dev/provenance/v1\","
      + "\"subject\":[{\"name\":\"app\",\"digest\":{\"sha256\":\"" + "ab".repeat(32) + "\"}}],\"predicate\":{}}")
      .getBytes(StandardCharsets.UTF_8);
  static TestSigstore sigstore;
  static TestSigstore rogue;
  static TrustRoot root;

  @BeforeAll
  static void setUp() throws Exception {
    sigstore = new TestSigstore("test-fulcio");
    rogue = new TestSigstore("rogue-fulcio");
    root = TrustRoot.of(sigstore.trustedRootJson(), "test trusted root", null);
  }

  private static TestSigstore.Leaf.Attestation attest(TestSigstore ca) throws Exception {
    return ca.issue(ID, ISSUER).attest(MediaTypes.IN_TOTO, STATEMENT, sigstore, sigstore.rekorKey());
  }

  @Test
  void verifiesTheEnvelopeWithTheTrustedCaAndLog() throws Exception {
    TestSigstore.Leaf.Attestation a = attest(sigstore);
    Dsse env = CosignSignatureVerifier.verifyKeylessAttestation(a.envelope(), a.annotations(), root, WHO);
    assertThat(env.payload()).isEqualTo(STATEMENT);
  }

  @Test
  void wrongIdentityOrCaFails() throws Exception {
    TestSigstore.Leaf.Attestation a = attest(sigstore);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(a.envelope(), a.annotations(), root,
        new CertificateIdentity("someone-else@acme.example", null, ISSUER)))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not name");
    TestSigstore.Leaf.Attestation r = attest(rogue);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(r.envelope(), r.annotations(), root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not chain");
  }

  @Test
  void signedEntryTimestampFromAnotherKeyFails() throws Exception {
    TestSigstore.Leaf.Attestation a = sigstore.issue(ID, ISSUER).attest(MediaTypes.IN_TOTO, STATEMENT, sigstore, rogue.rekorKey());
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(a.envelope(), a.annotations(), root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("SignedEntryTimestamp does not verify");
  }

  @Test
  void envelopeOtherThanTheLoggedOneFails() throws Exception {
    TestSigstore.Leaf.Attestation logged = attest(sigstore);
    TestSigstore.Leaf.Attestation unlogged = attest(sigstore);
    // a valid envelope and certificate, but the Rekor entry is someone else's
    Map<String, String> swapped = new HashMap<>(unlogged.annotations());
    swapped.put(CosignSignatureVerifier.BUNDLE_ANNOTATION, logged.annotations().get(CosignSignatureVerifier.BUNDLE_ANNOTATION));
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(unlogged.envelope(), swapped, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not about this attestation envelope");
    // a hashedrekord entry (a .sig's) does not vouch for an attestation
    Map<String, String> sigEntry = new HashMap<>(sigstore.issue(ID, ISSUER).signCosign(STATEMENT, sigstore));
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(logged.envelope(), sigEntry, root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not an attestation entry");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"intoto 0.0.1", "intoto 0.0.2", "dsse 0.0.1"})
  void everyAttestationEntryKindIsCheckedAgainstTheEnvelope(String kind) throws Exception {
    TestSigstore.Leaf leaf = sigstore.issue(ID, ISSUER);
    TestSigstore.Leaf.Attestation a = leaf.attest(MediaTypes.IN_TOTO, STATEMENT, sigstore, sigstore.rekorKey(), kind);
    assertThat(CosignSignatureVerifier.verifyKeylessAttestation(a.envelope(), a.annotations(), root, WHO).payload())
        .isEqualTo(STATEMENT);
    // the same certificate signs another envelope: the logged entry is not about it
    TestSigstore.Leaf.Attestation other = leaf.attest(MediaTypes.IN_TOTO, "{}".getBytes(StandardCharsets.UTF_8), sigstore,
        sigstore.rekorKey(), kind);
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(other.envelope(), a.annotations(), root, WHO))
        .isInstanceOf(VerificationException.class).hasMessageContaining(kind.equals("intoto 0.0.1")
            ? "not about this attestation envelope" : "another payload");
    // another leaf's entry (other certificate) for the same statement
    TestSigstore.Leaf.Attestation stranger = sigstore.issue(ID, ISSUER).attest(MediaTypes.IN_TOTO, STATEMENT, sigstore,
        sigstore.rekorKey(), kind);
    java.util.Map<String, String> mixed = new HashMap<>(a.annotations());
    mixed.put(CosignSignatureVerifier.BUNDLE_ANNOTATION, stranger.annotations().get(CosignSignatureVerifier.BUNDLE_ANNOTATION));
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeylessAttestation(a.envelope(), mixed, root, WHO))
        .isInstanceOf(VerificationException.class);
  }
}
