package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.SharedTestData;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link EmbeddedScts} on real public-good Fulcio leaves (the bundles of {@code ../shared/testdata/sigstore}, signed
 * by Fulcio and logged by its CT log): the rebuilt precertificate TBS and issuer key hash give the bytes the CT log
 * signed, so the SCT verifies with the CT log key of the bundle's trusted root; the same leaf against the root with
 * its CT logs removed, or with another key under the CT log's entry, is refused. A message-signature bundle
 * rewritten as v0.1 with the inclusion promise alone goes through airlock's own keyless path and verifies.
 * ({@code bundle-with-timestamp.sigstore} is left out: its leaf's issuer, sigstore-intermediate, is not a CA of
 * {@code trusted_root.json}, and sigstore-java refuses it against that root too.)
 */
class EmbeddedSctsTest {
  @ParameterizedTest
  @CsvSource({"bundle.v3.sigstore,trusted_root.json", "bundle.v3_1.sigstore,trusted_root.json",
      "bundle.dsse.sigstore,trusted_root.json",
      "oci-attestation.sigstore.json,oci-attestation.trusted_root.json"})
  void aRealFulcioLeafsSctVerifiesWithTheRootsCtLogOnly(String bundle, String rootName) throws Exception {
    ObjectNode b = (ObjectNode) Json.tree(Files.readAllBytes(SharedTestData.sigstore("bundles/" + bundle)), bundle);
    X509Certificate leaf = TlogEntryRules.leaf(b.path("verificationMaterial"));
    byte[] rootJson = Files.readAllBytes(SharedTestData.sigstore("bundles/" + rootName));
    TrustRoot root = TrustRoot.of(rootJson, rootName, null);
    assertThatCode(() -> EmbeddedScts.verify(leaf, root)).doesNotThrowAnyException();

    ObjectNode noCt = (ObjectNode) Json.tree(rootJson, rootName);
    noCt.putArray("ctlogs");
    TrustRoot without = TrustRoot.of(Json.write(noCt), rootName + " without CT logs", null);
    assertThatThrownBy(() -> EmbeddedScts.verify(leaf, without)).isInstanceOf(VerificationException.class)
        .hasMessageContaining("lists no CT log");

    // every CT log entry keeps its log id and validity, but holds another key: the log id (SHA-256 of the key) no longer matches
    ObjectNode otherKey = (ObjectNode) Json.tree(rootJson, rootName);
    String stranger = java.util.Base64.getEncoder().encodeToString(TestSigstore.ecKey().getPublic().getEncoded());
    for (var ct : otherKey.path("ctlogs")) {
      ((ObjectNode) ct.path("publicKey")).put("rawBytes", stranger);
    }
    TrustRoot replaced = TrustRoot.of(Json.write(otherKey), rootName + " with another CT key", null);
    assertThatThrownBy(() -> EmbeddedScts.verify(leaf, replaced)).isInstanceOf(VerificationException.class)
        .hasMessageContaining("has no valid SCT from a CT log of the trusted root")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @ParameterizedTest
  @CsvSource({"bundle.v3.sigstore", "bundle.v3_1.sigstore"})
  void aRealBundleAsV01WithThePromiseAloneVerifiesThroughTheOwnPath(String bundle) throws Exception {
    ObjectNode b = (ObjectNode) Json.tree(Files.readAllBytes(SharedTestData.sigstore("bundles/" + bundle)), bundle);
    b.put("mediaType", "application/vnd.dev.sigstore.bundle+json;version=0.1");
    ObjectNode vm = (ObjectNode) b.path("verificationMaterial");
    String leaf = vm.remove("certificate").path("rawBytes").asText();
    vm.putObject("x509CertificateChain").putArray("certificates").addObject().put("rawBytes", leaf);
    ((ObjectNode) vm.path("tlogEntries").get(0)).remove("inclusionProof");
    assertThat(OwnKeylessVerifier.applies(b)).isTrue();
    TrustRoot root = TrustRoot.load(SharedTestData.sigstore("bundles/trusted_root.json"), null);
    Digest artifact = Digest.sha256(Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt")));
    CertificateIdentity who = new CertificateIdentity("appu@google.com", null, "https://accounts.google.com");
    assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(b), root, who)).doesNotThrowAnyException();
    ObjectNode noCt = (ObjectNode) Json.tree(Files.readAllBytes(SharedTestData.sigstore("bundles/trusted_root.json")), "root");
    noCt.putArray("ctlogs");
    TrustRoot without = TrustRoot.of(Json.write(noCt), "public-good root without CT logs", null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(b), without, who))
        .isInstanceOf(VerificationException.class).hasMessageContaining("lists no CT log");
  }
}
