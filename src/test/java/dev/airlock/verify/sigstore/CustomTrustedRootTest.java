package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.SharedTestData;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;
import org.junit.jupiter.api.Test;

/**
 * A private Sigstore deployment, as a site runs one: its own Fulcio CA, Rekor log key and timestamp
 * authority, all generated here, named in a {@code trusted_root.json} of exactly the public-good root's
 * form. A v0.3 bundle they produce (Fulcio leaf, hashedrekord entry with inclusion proof, signed
 * checkpoint and promise, RFC 3161 timestamp) verifies against that root through the same code path as
 * public-good bundles, and fails against the public-good root, and against the private root without its
 * TSA.
 */
class CustomTrustedRootTest {
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Instant NOW = TestSigstore.INTEGRATED.plusSeconds(3600);
  private static final byte[] ARTIFACT = "site artifact".getBytes(StandardCharsets.UTF_8);
  private static final CertificateIdentity WHO = new CertificateIdentity("builder@site.example", null, "https://sso.site.example");

  /** The site's TSA: a root and a timestamping leaf. */
  private static final class Tsa {
    final KeyPair rootKey;
    final KeyPair leafKey;
    final X509Certificate root;
    final X509Certificate leaf;

    Tsa() throws Exception {
      rootKey = TestSigstore.ecKey();
      leafKey = TestSigstore.ecKey();
      Instant from = Instant.parse("2020-01-01T00:00:00Z");
      X500Name rn = new X500Name("O=site,CN=site TSA root");
      JcaX509v3CertificateBuilder r = new JcaX509v3CertificateBuilder(rn, BigInteger.valueOf(7001), Date.from(from),
          Date.from(from.plus(Duration.ofDays(5000))), rn, rootKey.getPublic());
      r.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      r.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      root = cert(r, rootKey);
      JcaX509v3CertificateBuilder l = new JcaX509v3CertificateBuilder(rn, BigInteger.valueOf(7002), Date.from(from),
          Date.from(from.plus(Duration.ofDays(4000))), new X500Name("O=site,CN=site TSA"), leafKey.getPublic());
      l.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      l.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
      leaf = cert(l, rootKey);
    }

    private static X509Certificate cert(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    /** An RFC 3161 response granting a token over SHA-256 of {@code signature}, stamped at {@code at}. */
    byte[] stamp(byte[] signature, Instant at) throws Exception {
      var signer = new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA", leafKey.getPrivate(), leaf);
      TimeStampTokenGenerator g = new TimeStampTokenGenerator(signer,
          new JcaDigestCalculatorProviderBuilder().build().get(
              new org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder().find("SHA-256")),
          new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.57264.2"));
      g.addCertificates(new JcaCertStore(java.util.List.of(leaf)));
      TimeStampRequestGenerator rq = new TimeStampRequestGenerator();
      rq.setCertReq(true);
      var request = rq.generate(NISTObjectIdentifiers.id_sha256, MessageDigest.getInstance("SHA-256").digest(signature),
          BigInteger.valueOf(42));
      // the bundle's signedTimestamp is the DER TimeStampResp (RFC 3161 section 2.4.2), as a TSA answers
      return new org.bouncycastle.tsp.TimeStampResponseGenerator(g, org.bouncycastle.tsp.TSPAlgorithms.ALLOWED)
          .generate(request, BigInteger.valueOf(at.toEpochMilli()), Date.from(at)).getEncoded();
    }
  }

  private static final org.bouncycastle.asn1.ASN1ObjectIdentifier SCT_LIST =
      new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2");

  /**
   * A Fulcio-style leaf with an embedded SCT from the site's CT log (RFC 6962 section 3.2: a precert entry over
   * the TBSCertificate without the SCT extension and the CA key's hash), as sigstore-java requires of every
   * Fulcio certificate.
   */
  static X509Certificate leafWithSct(TestSigstore fulcio, KeyPair ctKey, KeyPair leafKey, String email, String issuer)
      throws Exception {
    java.util.function.Function<Boolean, JcaX509v3CertificateBuilder> builder = withoutSct -> {
      try {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(fulcio.ca, BigInteger.valueOf(9001),
            Date.from(TestSigstore.INTEGRATED.minusSeconds(60)), Date.from(TestSigstore.INTEGRATED.plusSeconds(600)),
            new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), leafKey.getPublic());
        b.addExtension(Extension.subjectAlternativeName, true, new org.bouncycastle.asn1.x509.GeneralNames(
            new org.bouncycastle.asn1.x509.GeneralName(org.bouncycastle.asn1.x509.GeneralName.rfc822Name, email)));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
        b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), false,
            issuer.getBytes(StandardCharsets.UTF_8));
        b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), false,
            new org.bouncycastle.asn1.DERUTF8String(issuer));
        return b;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(fulcio.caKey.getPrivate());
    byte[] tbs = builder.apply(true).build(signer).toASN1Structure().getTBSCertificate().getEncoded("DER");
    long ts = TestSigstore.INTEGRATED.minusSeconds(30).toEpochMilli();
    java.io.ByteArrayOutputStream signed = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream d = new java.io.DataOutputStream(signed);
    d.writeByte(0); // v1
    d.writeByte(0); // certificate_timestamp
    d.writeLong(ts);
    d.writeShort(1); // precert_entry
    d.write(MessageDigest.getInstance("SHA-256").digest(fulcio.ca.getPublicKey().getEncoded()));
    d.writeByte(tbs.length >> 16);
    d.writeShort(tbs.length & 0xffff);
    d.write(tbs);
    d.writeShort(0); // no extensions
    byte[] sig = TestSigstore.sign(ctKey.getPrivate(), signed.toByteArray());
    java.io.ByteArrayOutputStream sct = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream o = new java.io.DataOutputStream(sct);
    o.writeByte(0);
    o.write(MessageDigest.getInstance("SHA-256").digest(ctKey.getPublic().getEncoded()));
    o.writeLong(ts);
    o.writeShort(0);
    o.writeByte(4); // sha256
    o.writeByte(3); // ecdsa
    o.writeShort(sig.length);
    o.write(sig);
    byte[] one = sct.toByteArray();
    java.io.ByteArrayOutputStream list = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream l = new java.io.DataOutputStream(list);
    l.writeShort(one.length + 2);
    l.writeShort(one.length);
    l.write(one);
    JcaX509v3CertificateBuilder b = builder.apply(false);
    b.addExtension(SCT_LIST, false, new org.bouncycastle.asn1.DEROctetString(list.toByteArray()));
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  /** The private deployment's trusted_root.json: its Fulcio CA, Rekor key and CT log, plus (optionally) its TSA. */
  private static byte[] trustedRoot(TestSigstore sigstore, KeyPair ctKey, Tsa tsa) throws Exception {
    ObjectNode root = (ObjectNode) Json.tree(sigstore.trustedRootJson(), "root");
    // the log's checkpoints are signed under its host name, as rekor.sigstore.dev's are
    ((ObjectNode) root.path("tlogs").get(0)).put("baseUrl", "https://rekor.site.example");
    ((ObjectNode) root.path("certificateAuthorities").get(0)).put("uri", "https://fulcio.site.example");
    ObjectNode ct = root.putArray("ctlogs").addObject();
    ct.put("baseUrl", "https://ctfe.site.example");
    ct.put("hashAlgorithm", "SHA2_256");
    ObjectNode pk = ct.putObject("publicKey");
    pk.put("rawBytes", B64.encodeToString(ctKey.getPublic().getEncoded()));
    pk.put("keyDetails", "PKIX_ECDSA_P256_SHA_256");
    pk.putObject("validFor").put("start", "2020-01-01T00:00:00Z");
    ct.putObject("logId").put("keyId",
        B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(ctKey.getPublic().getEncoded())));
    ArrayNode tsas = root.putArray("timestampAuthorities");
    if (tsa != null) {
      ObjectNode t = tsas.addObject();
      t.putObject("subject").put("organization", "site").put("commonName", "site TSA");
      t.put("uri", "https://tsa.site.example");
      ArrayNode certs = t.putObject("certChain").putArray("certificates");
      certs.addObject().put("rawBytes", B64.encodeToString(tsa.leaf.getEncoded()));
      certs.addObject().put("rawBytes", B64.encodeToString(tsa.root.getEncoded()));
      t.putObject("validFor").put("start", "2020-01-01T00:00:00Z");
    }
    return Json.write(root);
  }

  /** A v0.3 bundle over {@link #ARTIFACT}: message signature, Fulcio leaf, hashedrekord 0.0.1 entry, RFC 3161 token. */
  private static byte[] bundle(TestSigstore sigstore, Leaf leaf, TestLog log, Tsa tsa) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(ARTIFACT);
    byte[] sig = TestSigstore.sign(leaf.key().getPrivate(), ARTIFACT);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("apiVersion", "0.0.1");
    body.put("kind", "hashedrekord");
    ObjectNode spec = body.putObject("spec");
    spec.putObject("data").putObject("hash").put("algorithm", "sha256").put("value", HexFormat.of().formatHex(digest));
    ObjectNode s = spec.putObject("signature");
    s.put("content", B64.encodeToString(sig));
    s.putObject("publicKey").put("content",
        B64.encodeToString(TestSigstore.pem(leaf.cert()).getBytes(StandardCharsets.UTF_8)));
    byte[] bodyBytes = Json.write(body);
    long index = log.append(bodyBytes);
    log.fill(3);
    byte[] logKeyDer = sigstore.rekorKey().getPublic().getEncoded();
    byte[] logId = MessageDigest.getInstance("SHA-256").digest(logKeyDer);
    long integrated = TestSigstore.INTEGRATED.getEpochSecond();
    String bodyB64 = B64.encodeToString(bodyBytes);
    byte[] canonical = ("{\"body\":\"" + bodyB64 + "\",\"integratedTime\":" + integrated + ",\"logID\":\""
        + HexFormat.of().formatHex(logId) + "\",\"logIndex\":" + index + "}").getBytes(StandardCharsets.UTF_8);

    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    ObjectNode vm = b.putObject("verificationMaterial");
    vm.putObject("certificate").put("rawBytes", B64.encodeToString(leaf.cert().getEncoded()));
    ObjectNode entry = vm.putArray("tlogEntries").addObject();
    entry.put("logIndex", Long.toString(index));
    entry.putObject("logId").put("keyId", B64.encodeToString(logId));
    entry.putObject("kindVersion").put("kind", "hashedrekord").put("version", "0.0.1");
    entry.put("integratedTime", Long.toString(integrated));
    entry.putObject("inclusionPromise").put("signedEntryTimestamp",
        B64.encodeToString(TestSigstore.sign(sigstore.rekorKey().getPrivate(), canonical)));
    entry.set("inclusionProof", log.inclusionProof(index));
    entry.put("canonicalizedBody", bodyB64);
    vm.putObject("timestampVerificationData").putArray("rfc3161Timestamps").addObject()
        .put("signedTimestamp", B64.encodeToString(tsa.stamp(sig, TestSigstore.INTEGRATED.plusSeconds(1))));
    ObjectNode ms = b.putObject("messageSignature");
    ms.putObject("messageDigest").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(digest));
    ms.put("signature", B64.encodeToString(sig));
    return Json.write(b);
  }

  private record Leaf(KeyPair key, X509Certificate cert) {}

  private static final class Site {
    final TestSigstore sigstore;
    final KeyPair ctKey;
    final Leaf leaf;
    final TestLog log;
    final Tsa tsa;

    Site() throws Exception {
      sigstore = new TestSigstore("site-fulcio");
      ctKey = TestSigstore.ecKey();
      KeyPair leafKey = TestSigstore.ecKey();
      leaf = new Leaf(leafKey, leafWithSct(sigstore, ctKey, leafKey, WHO.identity(), WHO.issuer()));
      log = new TestLog("rekor.site.example - 7", sigstore.rekorKey());
      log.fill(5);
      tsa = new Tsa();
    }
  }

  @Test
  void aBundleOfTheSitesOwnDeploymentVerifiesAgainstItsTrustedRoot() throws Exception {
    Site site = new Site();
    byte[] bundle = bundle(site.sigstore, site.leaf, site.log, site.tsa);
    TrustRoot root = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, site.tsa), "site trusted_root.json", null);
    assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), bundle, root, WHO, NOW))
        .doesNotThrowAnyException();
    // the same bundle, another artifact: refused
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256("other".getBytes(StandardCharsets.UTF_8)),
        bundle, root, WHO, NOW)).isInstanceOf(VerificationException.class).hasMessageContaining("does not match");
  }

  @Test
  void theSameBundleFailsAgainstThePublicGoodRoot() throws Exception {
    Site site = new Site();
    byte[] bundle = bundle(site.sigstore, site.leaf, site.log, site.tsa);
    TrustRoot publicGood = TrustRoot.load(SharedTestData.sigstore("bundles/trusted_root.json"), null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), bundle, publicGood, WHO, NOW))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not verifiable against CAs");
  }

  @Test
  void anotherSitesDeploymentOrAMissingTsaIsRefused() throws Exception {
    Site site = new Site();
    byte[] bundle = bundle(site.sigstore, site.leaf, site.log, site.tsa);
    Site other = new Site();
    TrustRoot otherRoot = TrustRoot.of(trustedRoot(other.sigstore, other.ctKey, other.tsa), "other trusted_root.json", null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), bundle, otherRoot, WHO, NOW))
        .isInstanceOf(VerificationException.class).hasMessageContaining("not verifiable against CAs");
    // each part of the deployment counts: the site's root with another site's Rekor key, or CT log
    byte[] siteJson = trustedRoot(site.sigstore, site.ctKey, site.tsa);
    byte[] otherJson = trustedRoot(other.sigstore, other.ctKey, other.tsa);
    for (String part : java.util.List.of("tlogs", "ctlogs")) {
      ObjectNode mixed = (ObjectNode) Json.tree(siteJson, "root");
      mixed.set(part, Json.tree(otherJson, "root").path(part));
      TrustRoot r = TrustRoot.of(Json.write(mixed), "site root, other " + part, null);
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), bundle, r, WHO, NOW))
          .as(part).isInstanceOf(VerificationException.class);
    }
    // the site's Fulcio and Rekor, but another TSA: the bundle's timestamp is not trusted
    TrustRoot wrongTsa = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, other.tsa), "site root, other TSA", null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), bundle, wrongTsa, WHO, NOW))
        .isInstanceOf(VerificationException.class).hasMessageContaining("timestamp");
  }
}
