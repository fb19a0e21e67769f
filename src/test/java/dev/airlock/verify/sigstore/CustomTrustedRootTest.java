package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.SharedTestData;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  private static final org.bouncycastle.asn1.ASN1ObjectIdentifier SCT_LIST =
      new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2");

  /**
   * A Fulcio-style leaf with an embedded SCT from the site's CT log (RFC 6962 section 3.2: a precert entry over
   * the TBSCertificate without the SCT extension and the CA key's hash), as sigstore-java requires of every
   * Fulcio certificate.
   */
  static X509Certificate leafWithSct(TestSigstore fulcio, KeyPair ctKey, KeyPair leafKey, String email, String issuer)
      throws Exception {
    return leaf(fulcio, ctKey, ctKey.getPublic(), leafKey, email, issuer, true, -1);
  }

  /**
   * As above; the SCT signed by {@code ctKey} under the log id of {@code named} (SHA-256 of its DER), none when
   * {@code withSct} is false, and byte {@code flip} of the encoded SCT inverted when not -1 (after signing).
   */
  static X509Certificate leaf(TestSigstore fulcio, KeyPair ctKey, java.security.PublicKey named, KeyPair leafKey,
      String email, String issuer, boolean withSct, int flip) throws Exception {
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
    if (!withSct) {
      return new JcaX509CertificateConverter().getCertificate(builder.apply(true).build(signer));
    }
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
    o.write(MessageDigest.getInstance("SHA-256").digest(named.getEncoded()));
    o.writeLong(ts);
    o.writeShort(0);
    o.writeByte(4); // sha256
    o.writeByte(3); // ecdsa
    o.writeShort(sig.length);
    o.write(sig);
    byte[] one = sct.toByteArray();
    if (flip >= 0) {
      one[flip] ^= (byte) 0xff;
    }
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
  private static byte[] trustedRoot(TestSigstore sigstore, KeyPair ctKey, TestTsa tsa) throws Exception {
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
    root.putArray("timestampAuthorities");
    if (tsa != null) {
      tsa.addTo(root);
    }
    return Json.write(root);
  }

  /** A v0.3 bundle over {@link #ARTIFACT}: message signature, Fulcio leaf, hashedrekord 0.0.1 entry, RFC 3161 token. */
  private static byte[] bundle(TestSigstore sigstore, Leaf leaf, TestLog log, TestTsa tsa) throws Exception {
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

  /**
   * A v0.3 bundle with a Rekor v2 entry, as clients write against a tile-based Rekor v2 log: a {@code hashedrekord
   * 0.0.2} entry (message signature over {@link #ARTIFACT}) or a {@code dsse 0.0.2} entry (DSSE statement naming
   * it), the body in the v2 {@code Entry} form (DER certificate as verifier), no integrated time (the field is
   * absent, as protobuf JSON omits a 0), no inclusion promise, an inclusion proof with a checkpoint signed by
   * the log, and, unless {@code stampAt} is null, an RFC 3161 timestamp over the signature at {@code stampAt}.
   */
  private static byte[] bundleV2(Site site, String kind, Instant stampAt) throws Exception {
    return bundleV2(site, kind, stampAt, ARTIFACT);
  }

  /** As above over {@code artifact} (for an image: its manifest bytes). */
  private static byte[] bundleV2(Site site, String kind, Instant stampAt, byte[] artifact) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(artifact);
    String certDer = B64.encodeToString(site.leaf.cert().getEncoded());
    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("kind", kind.split(" ")[0]);
    body.put("apiVersion", "0.0.2");
    byte[] sig;
    if (kind.startsWith("hashedrekord") && !kind.endsWith("over dsse")) {
      sig = TestSigstore.sign(site.leaf.key().getPrivate(), artifact);
      ObjectNode v2 = body.putObject("spec").putObject("hashedRekordV002");
      v2.putObject("data").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(digest));
      ObjectNode s = v2.putObject("signature");
      s.put("content", B64.encodeToString(sig));
      s.putObject("verifier").put("keyDetails", "PKIX_ECDSA_P256_SHA_256").putObject("x509Certificate").put("rawBytes", certDer);
      ObjectNode ms = b.putObject("messageSignature");
      ms.putObject("messageDigest").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(digest));
      ms.put("signature", B64.encodeToString(sig));
    } else {
      byte[] payload = ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"artifact\",\"digest\":{\"sha256\":\""
          + HexFormat.of().formatHex(digest) + "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{}}")
          .getBytes(StandardCharsets.UTF_8);
      String type = "application/vnd.in-toto+json";
      sig = TestSigstore.sign(site.leaf.key().getPrivate(), dev.airlock.verify.dsse.Dsse.pae(type, payload));
      b.set("dsseEnvelope", new dev.airlock.verify.dsse.Dsse(type, payload,
          java.util.List.of(new dev.airlock.verify.dsse.Dsse.Signature("", sig))).toJson());
      if (kind.endsWith("over dsse")) {
        // "hashedrekord over DSSE": the entry records the hash of the PAE and the envelope's signature
        ObjectNode v2 = body.putObject("spec").putObject("hashedRekordV002");
        v2.putObject("data").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(
            MessageDigest.getInstance("SHA-256").digest(dev.airlock.verify.dsse.Dsse.pae(type, payload))));
        ObjectNode s = v2.putObject("signature");
        s.put("content", B64.encodeToString(sig));
        s.putObject("verifier").put("keyDetails", "PKIX_ECDSA_P256_SHA_256").putObject("x509Certificate").put("rawBytes", certDer);
      } else {
        ObjectNode v2 = body.putObject("spec").putObject("dsseV002");
        v2.putObject("payloadHash").put("algorithm", "SHA2_256")
            .put("digest", B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(payload)));
        ObjectNode s = v2.putArray("signatures").addObject();
        s.put("content", B64.encodeToString(sig));
        s.putObject("verifier").put("keyDetails", "PKIX_ECDSA_P256_SHA_256").putObject("x509Certificate").put("rawBytes", certDer);
      }
    }
    byte[] bodyBytes = Json.write(body);
    long index = site.log.append(bodyBytes);
    site.log.fill(2);
    ObjectNode vm = b.putObject("verificationMaterial");
    vm.putObject("certificate").put("rawBytes", certDer);
    ObjectNode entry = vm.putArray("tlogEntries").addObject();
    entry.put("logIndex", Long.toString(index));
    entry.putObject("logId").put("keyId", B64.encodeToString(
        MessageDigest.getInstance("SHA-256").digest(site.sigstore.rekorKey().getPublic().getEncoded())));
    entry.putObject("kindVersion").put("kind", kind.split(" ")[0]).put("version", "0.0.2");
    entry.set("inclusionProof", site.log.inclusionProof(index));
    entry.put("canonicalizedBody", B64.encodeToString(bodyBytes));
    ObjectNode tvd = vm.putObject("timestampVerificationData");
    if (stampAt != null) {
      tvd.putArray("rfc3161Timestamps").addObject().put("signedTimestamp", B64.encodeToString(site.tsa.stamp(sig, stampAt)));
    }
    return Json.write(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hashedrekord 0.0.2", "dsse 0.0.2", "hashedrekord 0.0.2 over dsse"})
  void aRekorV2BundleWithASignedTimestampVerifiesThroughTheKeylessPath(String kind) throws Exception {
    Site site = new Site();
    TrustRoot root = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, site.tsa), "site trusted_root.json", null);
    byte[] good = bundleV2(site, kind, TestSigstore.INTEGRATED.plusSeconds(2));
    assertThat(Json.tree(good, "b").path("verificationMaterial").path("tlogEntries").get(0).has("integratedTime")).isFalse();
    assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), good, root, WHO, NOW))
        .doesNotThrowAnyException();
    // another identity, another artifact: refused
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), good, root,
        new CertificateIdentity("someone@else.example", null, WHO.issuer()), NOW)).isInstanceOf(VerificationException.class);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256("other".getBytes(StandardCharsets.UTF_8)),
        good, root, WHO, NOW)).isInstanceOf(VerificationException.class);
    // the checkpoint signed by another key: refused
    ObjectNode forged = (ObjectNode) Json.tree(good, "b");
    ObjectNode cp = (ObjectNode) forged.path("verificationMaterial").path("tlogEntries").get(0).path("inclusionProof").path("checkpoint");
    TestLog fake = new TestLog(site.log.origin, TestSigstore.ecKey());
    cp.put("envelope", fake.checkpoint(site.log.leaves.size(), site.log.root(), fake.key));
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), Json.write(forged), root, WHO, NOW))
        .isInstanceOf(VerificationException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hashedrekord 0.0.2", "dsse 0.0.2"})
  void aRekorV2EntryWithoutASignedTimestampIsRefused(String kind) throws Exception {
    Site site = new Site();
    TrustRoot root = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, site.tsa), "site trusted_root.json", null);
    byte[] unstamped = bundleV2(site, kind, null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), unstamped, root, WHO, NOW))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("has no signed integrated time (integratedTime 0, as Rekor v2 entries have)")
        .hasMessageContaining("no signed timestamp")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    // an explicit "integratedTime": "0" is the same
    ObjectNode zero = (ObjectNode) Json.tree(unstamped, "b");
    ((ObjectNode) zero.path("verificationMaterial").path("tlogEntries").get(0)).put("integratedTime", "0");
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), Json.write(zero), root, WHO, NOW))
        .hasMessageContaining("has no signed integrated time");
    // a timestamp from a TSA the root does not list authenticates nothing
    Site other = new Site();
    ObjectNode foreign = (ObjectNode) Json.tree(unstamped, "b");
    byte[] sig = kind.startsWith("hashedrekord")
        ? java.util.Base64.getDecoder().decode(foreign.path("messageSignature").path("signature").asText())
        : java.util.Base64.getDecoder().decode(foreign.path("dsseEnvelope").path("signatures").get(0).path("sig").asText());
    ((ObjectNode) foreign.path("verificationMaterial").path("timestampVerificationData")).putArray("rfc3161Timestamps")
        .addObject().put("signedTimestamp", B64.encodeToString(other.tsa.stamp(sig, TestSigstore.INTEGRATED.plusSeconds(2))));
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), Json.write(foreign), root, WHO, NOW))
        .isInstanceOf(VerificationException.class).hasMessageContaining("timestamp");
  }

  @Test
  void aSignedTimestampOutsideTheSigningCertificatesValidityIsRefused() throws Exception {
    Site site = new Site();
    TrustRoot root = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, site.tsa), "site trusted_root.json", null);
    Instant notAfter = site.leaf.cert().getNotAfter().toInstant();
    Instant notBefore = site.leaf.cert().getNotBefore().toInstant();
    Instant later = notAfter.plusSeconds(3600);
    for (Instant at : new Instant[] {notAfter.plusSeconds(1), notBefore.minusSeconds(1)}) {
      byte[] b = bundleV2(site, "hashedrekord 0.0.2", at);
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), b, root, WHO, later))
          .as(at.toString()).isInstanceOf(VerificationException.class);
      // airlock's own rule, apart from sigstore-java's check of the token's time
      assertThatThrownBy(() -> TlogEntryRules.check(Json.tree(b, "b"), MessageDigest.getInstance("SHA-256").digest(ARTIFACT),
          root, later)).as(at.toString()).hasMessageContaining("signed timestamp").hasMessageContaining("outside the signing certificate's validity");
    }
    // a v1 entry whose signed integrated time is fine is still refused when its timestamp is outside the certificate
    byte[] v1 = bundle(site.sigstore, site.leaf, site.log, site.tsa);
    ObjectNode late = (ObjectNode) Json.tree(v1, "b");
    ((ObjectNode) late.path("verificationMaterial").path("timestampVerificationData").path("rfc3161Timestamps").get(0))
        .put("signedTimestamp", B64.encodeToString(site.tsa.stamp(
            java.util.Base64.getDecoder().decode(late.path("messageSignature").path("signature").asText()), notAfter.plusSeconds(5))));
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256(ARTIFACT), Json.write(late), root, WHO, later))
        .isInstanceOf(VerificationException.class);
    // and a timestamp in the future is refused
    byte[] future = bundleV2(site, "hashedrekord 0.0.2", TestSigstore.INTEGRATED.plusSeconds(2));
    assertThatThrownBy(() -> TlogEntryRules.check(Json.tree(future, "b"), MessageDigest.getInstance("SHA-256").digest(ARTIFACT),
        root, TestSigstore.INTEGRATED.minusSeconds(3600))).hasMessageContaining("is in the future");
  }

  /** verify-blob, as a user runs it against a private deployment's trusted root and a Rekor v2 bundle. */
  @Test
  void verifyBlobAcceptsARekorV2BundleAndRefusesOneWithoutTimestamp(@TempDir Path tmp) throws Exception {
    Site site = new Site();
    Path artifact = Files.write(tmp.resolve("artifact.txt"), ARTIFACT);
    Path root = Files.write(tmp.resolve("trusted_root.json"), trustedRoot(site.sigstore, site.ctKey, site.tsa));
    Path good = Files.write(tmp.resolve("v2.sigstore.json"), bundleV2(site, "hashedrekord 0.0.2", TestSigstore.INTEGRATED.plusSeconds(2)));
    Path bad = Files.write(tmp.resolve("v2-unstamped.sigstore.json"), bundleV2(site, "hashedrekord 0.0.2", null));
    CommandResult ok = CommandResult.run("verify-blob", artifact.toString(), "--bundle", good.toString(), "--trusted-root",
        root.toString(), "--certificate-identity", WHO.identity(), "--certificate-oidc-issuer", WHO.issuer());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("Verified OK");
    CommandResult refused = CommandResult.run("verify-blob", artifact.toString(), "--bundle", bad.toString(), "--trusted-root",
        root.toString(), "--certificate-identity", WHO.identity(), "--certificate-oidc-issuer", WHO.issuer());
    assertThat(refused.exitCode()).isEqualTo(3);
    assertThat(refused.err().strip()).contains("has no signed integrated time").doesNotContain("\n");
    assertThat(refused.out()).doesNotContain("Verified OK");
  }

  /**
   * The image-policy path, end to end through the CLI: an image whose Sigstore bundle referrer (artifactType and
   * layer {@code application/vnd.dev.sigstore.bundle.v0.3+json}, as cosign v3 attaches it) holds a Rekor v2 bundle
   * over the image manifest ({@code dsse 0.0.2}: an in-toto statement naming the image digest, or
   * {@code hashedrekord 0.0.2}: a message signature over the manifest bytes), with a timestamp from the site's TSA.
   * {@code airlock bundle} carries it, {@code airlock verify --trusted-root} with a {@code keyless} rule passes
   * and names the bundle; another identity, the same bundle without its timestamp, or the public-good root fail
   * with exit 3.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dsse 0.0.2", "hashedrekord 0.0.2", "hashedrekord 0.0.2 over dsse"})
  void aRekorV2BundleReferrerPassesAKeylessImagePolicy(String kind, @TempDir Path tmp) throws Exception {
    Site site = new Site();
    Path root = Files.write(tmp.resolve("trusted_root.json"), trustedRoot(site.sigstore, site.ctKey, site.tsa));
    for (boolean stamped : new boolean[] {true, false}) {
      Path dir = tmp.resolve(stamped ? "stamped" : "unstamped");
      dev.airlock.store.LayoutStore layout = dev.airlock.store.LayoutStore.openOrCreate(dir.resolve("layout"));
      dev.airlock.oci.RawManifest image = dev.airlock.testing.TestImages.image(layout,
          dev.airlock.oci.Platform.parse("linux/amd64"), dev.airlock.testing.TestImages.layer("app", "signed by the site"));
      dev.airlock.testing.TestImages.tag(layout, image, "v1");
      byte[] sigstoreBundle = bundleV2(site, kind, stamped ? TestSigstore.INTEGRATED.plusSeconds(2) : null,
          image.bytesUnsafe());
      dev.airlock.oci.RawManifest ref = dev.airlock.testing.TestImages.referrer(layout, image,
          dev.airlock.oci.MediaTypes.SIGSTORE_BUNDLE_V03, sigstoreBundle);
      Files.writeString(dir.resolve("bundle.yaml"), """
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: rekor-v2}
          spec:
            images:
              - layout: %s:v1
                name: registry.site.example/app:v1
          """.formatted(dir.resolve("layout")));
      Path bundle = dir.resolve("b.tar");
      CommandResult made = CommandResult.run("bundle", dir.resolve("bundle.yaml").toString(), "-o", bundle.toString());
      assertThat(made.exitCode()).as(made.err()).isZero();
      java.util.function.BiFunction<String, Path, CommandResult> verify = (who, trusted) -> {
        try {
          Path policy = Files.writeString(dir.resolve("policy-" + who.hashCode() + ".yaml"), """
              apiVersion: airlock.dev/v1
              images:
                - match: "registry.site.example/**"
                  rules:
                    - keyless: {identity: %s, issuer: %s}
              """.formatted(who, WHO.issuer()));
          return CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy", policy.toString(),
              "--trusted-root", trusted.toString());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      CommandResult mine = verify.apply(WHO.identity(), root);
      if (stamped) {
        assertThat(mine.exitCode()).as(mine.out() + mine.err()).isZero();
        assertThat(mine.out()).contains("Sigstore bundle " + ref.digest().shortForm() + " verified").contains("Verified.");
        CommandResult other = verify.apply("someone@else.example", root);
        assertThat(other.exitCode()).as(other.out() + other.err()).isEqualTo(3);
        CommandResult publicGood = verify.apply(WHO.identity(), SharedTestData.sigstore("bundles/trusted_root.json"));
        assertThat(publicGood.exitCode()).as(publicGood.out() + publicGood.err()).isEqualTo(3);
      } else {
        assertThat(mine.exitCode()).as(mine.out() + mine.err()).isEqualTo(3);
        assertThat(mine.out() + mine.err()).contains("has no signed integrated time");
      }
    }
  }

  /** {@code bundle}'s v0.3 form rewritten as an older version: the leaf in a one-certificate x509CertificateChain. */
  private static ObjectNode asVersion(byte[] v03, String version) {
    ObjectNode b = (ObjectNode) Json.tree(v03, "bundle");
    b.put("mediaType", "application/vnd.dev.sigstore.bundle+json;version=" + version);
    ObjectNode vm = (ObjectNode) b.path("verificationMaterial");
    String leaf = vm.path("certificate").path("rawBytes").asText();
    vm.remove("certificate");
    vm.putObject("x509CertificateChain").putArray("certificates").addObject().put("rawBytes", leaf);
    return b;
  }

  /**
   * Bundle versions v0.1 and v0.2 (media type {@code application/vnd.dev.sigstore.bundle+json;version=0.N}, the
   * signing certificate as {@code x509CertificateChain}) verify through the keyless path as v0.3 does. A v0.1 bundle
   * may carry only the inclusion promise; from v0.2 on the inclusion proof is required, so a v0.2 or v0.3 bundle
   * without one is refused; a v0.1 bundle with neither proof nor promise is refused. The two v0.1 forms sigstore-java
   * 2.0.0 cannot read (promise only; proof without checkpoint, as sigstore-python 1.x wrote) go through airlock's
   * own checks ({@link OwnKeylessVerifier}), which refuse another identity, artifact, root, a forged or moved
   * promise, another signature and a wrong audit path; verify-blob reads them.
   */
  @Test
  void bundlesV01AndV02VerifyAndTheInclusionProofIsRequiredFromV02(@TempDir Path dir) throws Exception {
    Site site = new Site();
    TrustRoot root = TrustRoot.of(trustedRoot(site.sigstore, site.ctKey, site.tsa), "site trusted_root.json", null);
    byte[] v03 = bundle(site.sigstore, site.leaf, site.log, site.tsa);
    Digest artifact = Digest.sha256(ARTIFACT);
    for (String version : java.util.List.of("0.1", "0.2")) {
      byte[] b = Json.write(asVersion(v03, version));
      assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(artifact, b, root, WHO, NOW)).as("v" + version)
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, b, root,
          new CertificateIdentity("someone@else.example", null, WHO.issuer()), NOW)).as("v" + version)
          .isInstanceOf(VerificationException.class);
    }
    // v0.1 as sigstore-python 1.x wrote it: an inclusion proof without checkpoint, and the promise
    ObjectNode noCheckpoint = asVersion(v03, "0.1");
    ((ObjectNode) noCheckpoint.path("verificationMaterial").path("tlogEntries").get(0).path("inclusionProof")).remove("checkpoint");
    assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(noCheckpoint), root, WHO, NOW))
        .as("v0.1 proof without checkpoint").doesNotThrowAnyException();
    ObjectNode promiseOnly = asVersion(v03, "0.1");
    ((ObjectNode) promiseOnly.path("verificationMaterial").path("tlogEntries").get(0)).remove("inclusionProof");
    assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(promiseOnly), root, WHO, NOW))
        .as("v0.1 with the promise alone").doesNotThrowAnyException();
    for (String version : java.util.List.of("0.2", "0.3")) {
      ObjectNode noProof = version.equals("0.3") ? (ObjectNode) Json.tree(v03, "b") : asVersion(v03, version);
      ((ObjectNode) noProof.path("verificationMaterial").path("tlogEntries").get(0)).remove("inclusionProof");
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(noProof), root, WHO, NOW))
          .as("v" + version + " without inclusion proof").isInstanceOf(VerificationException.class)
          .hasMessageContaining("inclusion proof");
    }
    ObjectNode neither = asVersion(v03, "0.1");
    ObjectNode e = (ObjectNode) neither.path("verificationMaterial").path("tlogEntries").get(0);
    e.remove("inclusionProof");
    e.remove("inclusionPromise");
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(neither), root, WHO, NOW))
        .isInstanceOf(VerificationException.class);

    // airlock's own v0.1 path (the two forms sigstore-java cannot read) refuses what the library would
    Site other = new Site();
    TrustRoot otherRoot = TrustRoot.of(trustedRoot(other.sigstore, other.ctKey, other.tsa), "other trusted_root.json", null);
    for (ObjectNode v01 : java.util.List.of(noCheckpoint, promiseOnly)) {
      byte[] b = Json.write(v01);
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, b, root,
          new CertificateIdentity("someone@else.example", null, WHO.issuer()), NOW))
          .isInstanceOf(VerificationException.class).hasMessageContaining("does not name");
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(Digest.sha256("other".getBytes(StandardCharsets.UTF_8)),
          b, root, WHO, NOW)).isInstanceOf(VerificationException.class).hasMessageContaining("message digest");
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, b, otherRoot, WHO, NOW))
          .isInstanceOf(VerificationException.class);
      ObjectNode forged = v01.deepCopy();
      ObjectNode fe = (ObjectNode) forged.path("verificationMaterial").path("tlogEntries").get(0);
      fe.putObject("inclusionPromise").put("signedEntryTimestamp", B64.encodeToString(TestSigstore.sign(
          TestSigstore.ecKey().getPrivate(), "x".getBytes(StandardCharsets.UTF_8))));
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(forged), root, WHO, NOW))
          .isInstanceOf(VerificationException.class).hasMessageContaining("inclusion promise does not verify");
      ObjectNode moved = v01.deepCopy();
      ((ObjectNode) moved.path("verificationMaterial").path("tlogEntries").get(0)).put("integratedTime",
          Long.toString(TestSigstore.INTEGRATED.getEpochSecond() + 1));
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(moved), root, WHO, NOW))
          .as("the promise signs the integrated time").isInstanceOf(VerificationException.class)
          .hasMessageContaining("inclusion promise does not verify");
      ObjectNode resigned = v01.deepCopy();
      byte[] otherSig = TestSigstore.sign(TestSigstore.ecKey().getPrivate(), ARTIFACT);
      ((ObjectNode) resigned.path("messageSignature")).put("signature", B64.encodeToString(otherSig));
      assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(resigned), root, WHO, NOW))
          .isInstanceOf(VerificationException.class).hasMessageContaining("does not verify with the certificate's key");
    }
    // the proof without checkpoint is still checked as an audit path
    ObjectNode badPath = noCheckpoint.deepCopy();
    ((ObjectNode) badPath.path("verificationMaterial").path("tlogEntries").get(0).path("inclusionProof"))
        .put("rootHash", B64.encodeToString(new byte[32]));
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, Json.write(badPath), root, WHO, NOW))
        .isInstanceOf(VerificationException.class);
    // and verify-blob reads them
    Path art = Files.write(dir.resolve("artifact.txt"), ARTIFACT);
    Path rootFile = Files.write(dir.resolve("trusted_root.json"), trustedRoot(site.sigstore, site.ctKey, site.tsa));
    Path b = Files.write(dir.resolve("v01.sigstore.json"), Json.write(promiseOnly));
    CommandResult ok = CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--trusted-root",
        rootFile.toString(), "--certificate-identity", WHO.identity(), "--certificate-oidc-issuer", WHO.issuer());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("Verified OK");
  }

  /**
   * The leaf's embedded SCT on airlock's own keyless path ({@link OwnKeylessVerifier}: a v0.1 bundle with the promise
   * alone, and hashedrekord 0.0.2 over DSSE), and the same leaves through sigstore-java's path (the v0.3 bundle):
   * a valid SCT from the root's CT log passes; an SCT signed by another CT key (under its own log id, or under the
   * site log's id), a leaf without SCT, an SCT with one byte flipped (in its timestamp, or in its signature), a root
   * without CT logs and a CT log whose validity starts after the SCT are refused on both paths, the own path with
   * one line naming the certificate.
   */
  @Test
  void theLeafsEmbeddedSctIsCheckedOnTheOwnKeylessPath(@TempDir Path dir) throws Exception {
    Site site = new Site();
    byte[] rootJson = trustedRoot(site.sigstore, site.ctKey, site.tsa);
    TrustRoot root = TrustRoot.of(rootJson, "site trusted_root.json", null);
    Digest artifact = Digest.sha256(ARTIFACT);
    KeyPair otherCt = TestSigstore.ecKey();
    KeyPair leafKey = site.leaf.key();
    // SCT offsets: version 1, log id 32, timestamp 8 (so byte 40 is the timestamp's last), extensions 2, algorithms 2, length 2
    java.util.Map<String, X509Certificate> bad = new java.util.LinkedHashMap<>();
    bad.put("another CT key, its own log id", leaf(site.sigstore, otherCt, otherCt.getPublic(), leafKey, WHO.identity(), WHO.issuer(), true, -1));
    bad.put("another CT key, the site log's id", leaf(site.sigstore, otherCt, site.ctKey.getPublic(), leafKey, WHO.identity(), WHO.issuer(), true, -1));
    bad.put("no SCT", leaf(site.sigstore, site.ctKey, site.ctKey.getPublic(), leafKey, WHO.identity(), WHO.issuer(), false, -1));
    bad.put("timestamp byte flipped", leaf(site.sigstore, site.ctKey, site.ctKey.getPublic(), leafKey, WHO.identity(), WHO.issuer(), true, 40));
    bad.put("signature byte flipped", leaf(site.sigstore, site.ctKey, site.ctKey.getPublic(), leafKey, WHO.identity(), WHO.issuer(), true, 60));
    bad.put("log id byte flipped", leaf(site.sigstore, site.ctKey, site.ctKey.getPublic(), leafKey, WHO.identity(), WHO.issuer(), true, 5));
    java.util.function.Function<Leaf, java.util.Map<String, byte[]>> forms = l -> {
      try {
        site.leaf = l;
        byte[] v03 = bundle(site.sigstore, l, site.log, site.tsa);
        ObjectNode promiseOnly = asVersion(v03, "0.1");
        ((ObjectNode) promiseOnly.path("verificationMaterial").path("tlogEntries").get(0)).remove("inclusionProof");
        return java.util.Map.of("v0.1 promise only", Json.write(promiseOnly),
            "hashedrekord 0.0.2 over dsse", bundleV2(site, "hashedrekord 0.0.2 over dsse", TestSigstore.INTEGRATED.plusSeconds(2)),
            "v0.3 (sigstore-java)", v03);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    Leaf good = site.leaf;
    java.util.Map<String, byte[]> goodForms = forms.apply(good);
    int passed = 0;
    int refused = 0;
    for (var f : goodForms.entrySet()) {
      assertThat(OwnKeylessVerifier.applies(Json.tree(f.getValue(), "b"))).as(f.getKey()).isEqualTo(!f.getKey().startsWith("v0.3"));
      assertThatCode(() -> SigstoreBundleVerifier.verifyKeyless(artifact, f.getValue(), root, WHO, NOW)).as(f.getKey())
          .doesNotThrowAnyException();
      passed++;
    }
    for (var c : bad.entrySet()) {
      for (var f : forms.apply(new Leaf(leafKey, c.getValue())).entrySet()) {
        String what = c.getKey() + ", " + f.getKey();
        var thrown = assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, f.getValue(), root, WHO, NOW))
            .as(what).isInstanceOf(VerificationException.class);
        if (!f.getKey().startsWith("v0.3")) {
          thrown.hasMessageContaining("the signing certificate (serial 2329, issuer")
              .hasMessageContaining(c.getKey().equals("no SCT") ? "has no embedded SCT" : "has no valid SCT from a CT log of the trusted root")
              .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        } else {
          thrown.hasMessageContaining("SCT");
        }
        refused++;
      }
    }
    // why each SCT failed is told
    site.leaf = new Leaf(leafKey, bad.get("another CT key, its own log id"));
    assertThatThrownBy(() -> EmbeddedScts.verify(site.leaf.cert(), root)).hasMessageContaining("is not in the trusted root");
    site.leaf = new Leaf(leafKey, bad.get("another CT key, the site log's id"));
    assertThatThrownBy(() -> EmbeddedScts.verify(site.leaf.cert(), root)).hasMessageContaining("the signature does not verify");
    // a root without CT logs, or whose CT log starts after the SCT's timestamp: refused, as sigstore-java refuses
    ObjectNode noCt = (ObjectNode) Json.tree(rootJson, "root");
    noCt.putArray("ctlogs");
    ObjectNode late = (ObjectNode) Json.tree(rootJson, "root");
    ((ObjectNode) late.path("ctlogs").get(0).path("publicKey").path("validFor")).put("start",
        TestSigstore.INTEGRATED.minusSeconds(10).toString());
    for (ObjectNode r : java.util.List.of(noCt, late)) {
      TrustRoot tr = TrustRoot.of(Json.write(r), "site trusted_root.json, CT logs changed", null);
      for (var f : goodForms.entrySet()) {
        var thrown = assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(artifact, f.getValue(), tr, WHO, NOW))
            .as(f.getKey()).isInstanceOf(VerificationException.class);
        if (!f.getKey().startsWith("v0.3")) {
          thrown.hasMessageContaining(r == noCt ? "lists no CT log" : "is not valid at");
        }
        refused++;
      }
    }
    assertThat(passed).isEqualTo(3);
    assertThat(refused).isEqualTo(6 * 3 + 2 * 3);
    // and through the CLI: verify-blob exits 3 with one line for a v0.1 bundle whose leaf has no SCT, 0 with the SCT
    Path art = Files.write(dir.resolve("artifact.txt"), ARTIFACT);
    Path rootFile = Files.write(dir.resolve("trusted_root.json"), rootJson);
    Path noSct = Files.write(dir.resolve("no-sct.sigstore.json"),
        forms.apply(new Leaf(leafKey, bad.get("no SCT"))).get("v0.1 promise only"));
    CommandResult refusedCli = CommandResult.run("verify-blob", art.toString(), "--bundle", noSct.toString(), "--trusted-root",
        rootFile.toString(), "--certificate-identity", WHO.identity(), "--certificate-oidc-issuer", WHO.issuer());
    assertThat(refusedCli.exitCode()).as(refusedCli.err()).isEqualTo(3);
    assertThat(refusedCli.err().strip()).contains("has no embedded SCT").doesNotContain("\n");
    assertThat(refusedCli.out()).doesNotContain("Verified OK");
    Path withSct = Files.write(dir.resolve("sct.sigstore.json"), goodForms.get("v0.1 promise only"));
    CommandResult okCli = CommandResult.run("verify-blob", art.toString(), "--bundle", withSct.toString(), "--trusted-root",
        rootFile.toString(), "--certificate-identity", WHO.identity(), "--certificate-oidc-issuer", WHO.issuer());
    assertThat(okCli.exitCode()).as(okCli.err()).isZero();
  }

  private record Leaf(KeyPair key, X509Certificate cert) {}

  private static final class Site {
    final TestSigstore sigstore;
    final KeyPair ctKey;
    Leaf leaf;
    final TestLog log;
    final TestTsa tsa;

    Site() throws Exception {
      sigstore = new TestSigstore("site-fulcio");
      ctKey = TestSigstore.ecKey();
      KeyPair leafKey = TestSigstore.ecKey();
      leaf = new Leaf(leafKey, leafWithSct(sigstore, ctKey, leafKey, WHO.identity(), WHO.issuer()));
      log = new TestLog("rekor.site.example - 7", sigstore.rekorKey());
      log.fill(5);
      tsa = new TestTsa("site");
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
