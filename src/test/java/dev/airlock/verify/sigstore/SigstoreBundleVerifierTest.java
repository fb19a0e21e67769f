package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.testing.SharedTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SigstoreBundleVerifierTest {
  private static Digest artifact() throws Exception {
    return Digest.sha256(Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt")));
  }

  private static byte[] bundle(String name) throws Exception {
    return Files.readAllBytes(SharedTestData.sigstore("bundles/" + name));
  }

  private static TrustRoot root() throws Exception {
    return TrustRoot.load(SharedTestData.sigstore("bundles/trusted_root.json"), null);
  }

  // The README says "same identity" for all; the certificates actually name these (read with openssl).
  @ParameterizedTest
  @CsvSource({
    "bundle.v3.sigstore, appu@google.com, https://accounts.google.com",
    "bundle.v3_1.sigstore, appu@google.com, https://accounts.google.com",
    "bundle.dsse.sigstore, https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main, https://token.actions.githubusercontent.com",
  })
  void sharedBundlesVerifyAndFailOnWrongInputs(String name, String identity, String issuer) throws Exception {
    Digest art = artifact();
    byte[] b = bundle(name);
    TrustRoot root = root();
    CertificateIdentity id = new CertificateIdentity(identity, null, issuer);
    SigstoreBundleVerifier.verifyKeyless(art, b, root, id);
    SigstoreBundleVerifier.verifyKeyless(art, b, root,
        new CertificateIdentity(null, java.util.regex.Pattern.quote(identity.substring(0, 8)) + ".*", issuer));

    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, b, root,
        new CertificateIdentity("someone@example.com", null, issuer)))
        .isInstanceOf(VerificationException.class).hasMessageContaining("identit");
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, b, root,
        new CertificateIdentity(identity, null, "https://issuer.example.com")))
        .isInstanceOf(VerificationException.class);
    byte[] flipped = Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt"));
    flipped[0] ^= 1;
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(flipped), b, root, id))
        .isInstanceOf(VerificationException.class);
    TrustRoot other = otherRoot();
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, b, other, id))
        .isInstanceOf(VerificationException.class);
  }

  /** The shared trusted root with its Fulcio CAs replaced by an unrelated self-signed CA. */
  static TrustRoot otherRoot() throws Exception {
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) dev.airlock.oci.Json.tree(
        Files.readAllBytes(SharedTestData.sigstore("bundles/trusted_root.json")), "root");
    var kp = java.security.KeyPairGenerator.getInstance("EC");
    kp.initialize(256);
    var pair = kp.generateKeyPair();
    var name = new org.bouncycastle.asn1.x500.X500Name("CN=other-ca,O=example");
    var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.ONE,
        java.util.Date.from(java.time.Instant.parse("2020-01-01T00:00:00Z")),
        java.util.Date.from(java.time.Instant.parse("2040-01-01T00:00:00Z")), name, pair.getPublic());
    builder.addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true,
        new org.bouncycastle.asn1.x509.BasicConstraints(true));
    byte[] der = builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
        .build(pair.getPrivate())).getEncoded();
    for (var ca : tree.path("certificateAuthorities")) {
      var certs = (com.fasterxml.jackson.databind.node.ArrayNode) ca.path("certChain").path("certificates");
      certs.removeAll();
      certs.addObject().put("rawBytes", java.util.Base64.getEncoder().encodeToString(der));
    }
    return TrustRoot.of(dev.airlock.oci.Json.write(tree), "other root", null);
  }

  /**
   * Contrary to the shared README, this bundle's certificate is issued by an intermediate (AKI
   * 71:86:30:A6...) that is in neither shared trusted root (it is Sigstore staging), so it must fail.
   */
  @Test
  void timestampBundleFromAnotherInstanceFailsWithThePublicGoodRoot() throws Exception {
    Digest art = artifact();
    byte[] b = bundle("bundle-with-timestamp.sigstore");
    TrustRoot root = root();
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, b, root,
        new CertificateIdentity("aaronlew@google.com", null, "https://accounts.google.com")))
        .isInstanceOf(VerificationException.class).hasMessageContaining("CAs");
  }

  @Test
  void ociAttestationVerifiesWithItsRoot() throws Exception {
    Path rootFile = SharedTestData.sigstore("bundles/oci-attestation.trusted_root.json");
    byte[] b = bundle("oci-attestation.sigstore.json");
    Digest subject = Digest.parse("sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4");
    var id = new CertificateIdentity(null, ".*", issuerOf(b));
    var st = SigstoreBundleVerifier.verifyKeyless(subject, b, TrustRoot.load(rootFile, null), id);
    assertThat(st).isNotNull();
    assertThat(st.hasSubjectDigest(subject)).isTrue();
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(subject, b, otherRoot(), id))
        .isInstanceOf(VerificationException.class);
  }

  @Test
  void pinnedTrustedRootDigestMustMatch() throws Exception {
    Path f = SharedTestData.sigstore("bundles/trusted_root.json");
    TrustRoot r = TrustRoot.load(f, null);
    assertThat(TrustRoot.load(f, r.digest().hex()).digest()).isEqualTo(r.digest());
    assertThatThrownBy(() -> TrustRoot.load(f, "0".repeat(64))).isInstanceOf(VerificationException.class)
        .hasMessageContaining("pins");
  }

  static String issuerOf(byte[] bundle) throws Exception {
    var n = dev.airlock.oci.Json.tree(bundle, "b").path("verificationMaterial");
    String certB64 = n.path("certificate").path("rawBytes").asText(null);
    if (certB64 == null) {
      certB64 = n.path("x509CertificateChain").path("certificates").get(0).path("rawBytes").asText();
    }
    var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(certB64)));
    byte[] ext = cert.getExtensionValue("1.3.6.1.4.1.57264.1.8");
    if (ext == null) {
      ext = cert.getExtensionValue("1.3.6.1.4.1.57264.1.1");
      byte[] raw = org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets();
      return new String(raw, java.nio.charset.StandardCharsets.UTF_8);
    }
    var inner = org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets();
    return org.bouncycastle.asn1.ASN1UTF8String.getInstance(inner).getString();
  }
}
