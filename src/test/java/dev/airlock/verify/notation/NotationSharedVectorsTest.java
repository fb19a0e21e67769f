package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of {@code ../shared/testdata/notation/README.md} ("Expected outcomes" and "Now versus signing
 * time"), checked directly: the layout as a store, the README's policy file and trust store, the library's
 * {@link NotationArtifactVerifier}. {@code NotationBundleVerifyTest} checks the same rows through
 * {@code airlock verify} of a bundle.
 */
class NotationSharedVectorsTest {
  @TempDir static Path stores;

  static Stream<NotationVectors.Row> rows() {
    return NotationVectors.rows().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void everyReadmeRowComesOutAsStated(NotationVectors.Row row) throws Exception {
    assertThat(outcome(row.layout(), row.policy(), row.store(), NotationVectors.README_TIME)).isEqualTo(row.expected());
  }

  @Test
  void validationAtSigningTimeAgainstNow() throws Exception {
    // "Now versus signing time": the verifier's time is settable
    assertThat(outcome("e2e-valid-signature", "trustpolicy", "A", Instant.parse("2023-06-27T05:30:34Z"))).isEqualTo("pass");
    assertThat(outcome("e2e-invalid-signature", "trustpolicy", "A", Instant.parse("2023-06-27T05:30:34Z")))
        .isEqualTo("fail:integrity");
    assertThat(outcome("e2e-expired-signature", "trustpolicy", "A", Instant.parse("2023-06-27T05:20:50Z"))).isEqualTo("pass");
    assertThat(outcome("e2e-expired-signature", "trustpolicy", "A", Instant.parse("2023-06-27T05:21:21Z")))
        .isEqualTo("fail:expiry");
    assertThat(outcome("e2e-with-timestamped-signature", "trustpolicy", "C", Instant.parse("2025-01-21T10:00:00Z")))
        .isEqualTo("pass");
    assertThat(outcome("e2e-with-timestamped-signature", "timestamp_trustpolicy", "C+T", Instant.parse("2025-01-21T10:00:00Z")))
        .isEqualTo("fail:authentic timestamp");
    assertThat(outcome("e2e-with-timestamped-signature", "timestamp_trustpolicy", "C+T", NotationVectors.README_TIME))
        .isEqualTo("fail:expiry");
  }

  @Test
  void timestampTokenIsCheckedAndChainsToAMicrosoftRootNotInT() throws Exception {
    // README: with expiry logged, the timestamped signature fails on its timestamp, whose chain does not reach T
    TrustPolicyStatement strict = statement("timestamp_trustpolicy");
    TrustPolicyStatement expiryLogged = new TrustPolicyStatement("e2e", List.of("*"),
        VerificationLevel.of("strict", java.util.Map.of("expiry", "log")), TrustPolicyStatement.ALWAYS,
        strict.trustStores(), true, List.of());
    NotationArtifactVerifier.Verdict v = verdict("e2e-with-timestamped-signature", expiryLogged, "C+T",
        Instant.parse("2025-01-21T10:00:00Z"));
    assertThat(NotationVectors.outcome(v)).isEqualTo("fail:authentic timestamp");
    assertThat(v.signatures().get(0).failureMessage()).contains("does not lead to a certificate of the tsa trust store");
  }

  @Test
  void sameKeyDifferentCertificateIsNotTrusted() throws Exception {
    NotationArtifactVerifier.Verdict v = verdict("e2e-valid-signature", statement("trustpolicy"), "B", NotationVectors.README_TIME);
    NotationResult r = v.signatures().get(0);
    assertThat(r.checks().get(0).passed()).as("integrity: the signature verifies mathematically").isTrue();
    assertThat(r.failure()).isEqualTo(Check.AUTHENTICITY);
    assertThat(r.failureMessage()).contains("does not contain any trusted certificate");
  }

  @Test
  void reportNamesEnvelopeSignerSchemeAndActions() throws Exception {
    NotationResult r = verdict("e2e-expired-signature", statement("permissive_trustpolicy"), "A", NotationVectors.README_TIME)
        .signatures().get(0);
    assertThat(r.passed()).isTrue();
    assertThat(r.envelope()).isEqualTo("JWS");
    assertThat(r.signingScheme()).isEqualTo("notary.x509");
    assertThat(r.certificateSubject()).isEqualTo("CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
    assertThat(r.signature()).startsWith("sha256:3829708b");
    assertThat(r.checks()).extracting(NotationResult.Outcome::action).containsExactly(Action.ENFORCE, Action.ENFORCE,
        Action.ENFORCE, Action.LOG, Action.LOG, Action.LOG);
    assertThat(r.logged()).extracting(NotationResult.Outcome::check).containsExactly(Check.EXPIRY);
    assertThat(r.summary()).contains("logged expiry: the signature expired at 2023-06-27T05:21:21Z");
    assertThat(r.authenticated()).isFalse();
    assertThat(r.validationTime()).isEqualTo(NotationVectors.README_TIME);
  }

  @Test
  void findsSignaturesThroughTheReferrersTagIndexToo() throws Exception {
    // the 2023 layouts list the signature both untagged (subject) and in the sha256-<hex> index
    LayoutStore l = LayoutStore.open(NotationVectors.layout("e2e-valid-signature"));
    RawManifest image = l.getManifest("", "v1");
    List<RawManifest> sigs = NotationSignatures.find(l, "", image.digest());
    assertThat(sigs).extracting(m -> m.digest().toString()).containsExactly(
        "sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f");
    assertThat(NotationSignatures.find(LayoutStore.open(NotationVectors.layout("e2e")), "", image.digest())).isEmpty();
  }

  private static String outcome(String layout, String policy, String store, Instant at) throws Exception {
    TrustPolicyStatement st;
    try {
      st = statement(policy);
    } catch (InvalidInputException e) {
      return "policy:" + keyword(e.getMessage());
    }
    return NotationVectors.outcome(verdict(layout, st, store, at));
  }

  private static String keyword(String message) {
    for (String k : List.of("missing separator", "unsupported trust store name", "not valid JSON")) {
      if (message.contains(k)) {
        return k;
      }
    }
    return message;
  }

  private static TrustPolicyStatement statement(String policy) throws Exception {
    TrustPolicyDocument doc = TrustPolicyDocument.load(NotationVectors.policy(policy));
    return doc.statementFor("registry.example/notation/app").orElseThrow();
  }

  private static NotationArtifactVerifier.Verdict verdict(String layout, TrustPolicyStatement st, String store, Instant at)
      throws Exception {
    LayoutStore l = LayoutStore.open(NotationVectors.layout(layout));
    Descriptor image = l.getManifest("", "v1").descriptor();
    TrustStore ts = TrustStore.load(NotationVectors.store(stores, store));
    return NotationArtifactVerifier.verify(l, "", image, st, new NotationVerifier(ts, List.of(), at));
  }

  @Test
  void malformedPoliciesAreRefusedWithTheirReason() {
    assertThatThrownBy(() -> TrustPolicyDocument.load(NotationVectors.policy("invalid_format_trustpolicy")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not valid JSON").hasMessageContaining("line");
    assertThatThrownBy(() -> TrustPolicyDocument.load(NotationVectors.policy("malformed_trust_store_trustpolicy")))
        .hasMessageContaining("unsupported trust store name \"\" in \"ca:\"");
    assertThatThrownBy(() -> TrustPolicyDocument.load(NotationVectors.policy("malformed_trusted_identity_trustpolicy")))
        .hasMessageContaining("statement \"e2e\"").hasMessageContaining("missing separator");
  }
}
