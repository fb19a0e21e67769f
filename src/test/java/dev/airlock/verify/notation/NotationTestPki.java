package dev.airlock.verify.notation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * A test PKI for Notation signatures that no shared vector covers: a root, an intermediate and a
 * code-signing leaf (EC P-256), a TSA, CRLs, and signature envelopes in JWS and COSE written as Notation
 * writes them, stored as OCI 1.1 referrers (artifactType set, empty config).
 */
final class NotationTestPki {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  final Cert root;
  final Cert intermediate;
  final Cert leaf;
  final Cert tsaRoot;
  final Cert tsa;

  record Cert(X509Certificate cert, PrivateKey key) {}

  NotationTestPki(boolean leafNamesCrl) throws Exception {
    this(leafNamesCrl, T0);
  }

  /** @param t0 the leaf's notBefore; it lives 30 days */
  NotationTestPki(boolean leafNamesCrl, Instant t0) throws Exception {
    final Instant T0 = t0; // shadows the default on purpose: every date below is relative to it
    root = cert("CN=Test Root,O=Acme,ST=WA,C=US", null, true, null, T0.minusSeconds(86400 * 365), T0.plusSeconds(86400 * 3650), false);
    intermediate = cert("CN=Test Intermediate,O=Acme,ST=WA,C=US", root, true, null, T0.minusSeconds(86400 * 300),
        T0.plusSeconds(86400 * 3000), leafNamesCrl);
    // the leaf lives 30 days from T0: signing at T0 + 1 day, verifying at T0 + 60 days needs a timestamp
    leaf = cert("CN=builder,OU=CI,O=Acme,ST=WA,C=US", intermediate, false, KeyPurposeId.id_kp_codeSigning, T0,
        T0.plusSeconds(86400 * 30), leafNamesCrl);
    tsaRoot = cert("CN=Test TSA Root,O=Acme,ST=WA,C=US", null, true, null, T0.minusSeconds(86400 * 365),
        T0.plusSeconds(86400 * 3650), false);
    tsa = cert("CN=Test TSA,O=Acme,ST=WA,C=US", tsaRoot, false, KeyPurposeId.id_kp_timeStamping, T0.minusSeconds(86400),
        T0.plusSeconds(86400 * 3650), false);
  }

  private static Cert cert(String dn, Cert issuer, boolean ca, KeyPurposeId eku, Instant from, Instant to, boolean crl)
      throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name subject = new X500Name(dn);
    X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
    var b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(to),
        subject, kp.getPublic());
    if (ca) {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    } else {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, eku == KeyPurposeId.id_kp_timeStamping, new ExtendedKeyUsage(eku));
    }
    if (crl) {
      DistributionPoint dp = new DistributionPoint(new DistributionPointName(new GeneralNames(
          new GeneralName(GeneralName.uniformResourceIdentifier, "http://crl.invalid/" + dn.hashCode() + ".crl"))), null, null);
      b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {dp}));
    }
    PrivateKey signer = issuer == null ? kp.getPrivate() : issuer.key();
    X509Certificate c = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    return new Cert(c, kp.getPrivate());
  }

  /** A CRL of {@code issuer} valid around T0 listing {@code revoked}. */
  static X509CRL crl(Cert issuer, Instant thisUpdate, Instant nextUpdate, X509Certificate... revoked) throws Exception {
    var b = new X509v2CRLBuilder(X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
    b.setNextUpdate(Date.from(nextUpdate));
    for (X509Certificate r : revoked) {
      b.addCRLEntry(r.getSerialNumber(), Date.from(thisUpdate), 1);
    }
    return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
  }

  /** One CRL entry: the certificate, its CRLReason code (RFC 5280 5.3.1), and an invalidity date (null for none). */
  record Revoked(X509Certificate cert, int reason, Instant invalidSince) {}

  /**
   * A CRL of {@code issuer} listing {@code entries} with their reason codes and invalidity dates; a delta CRL
   * (deltaCRLIndicator naming base CRL number 1) when {@code delta}.
   */
  static X509CRL crl(Cert issuer, Instant thisUpdate, Instant nextUpdate, boolean delta, Revoked... entries) throws Exception {
    var b = new X509v2CRLBuilder(X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
    b.setNextUpdate(Date.from(nextUpdate));
    b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.valueOf(delta ? 2 : 1)));
    if (delta) {
      b.addExtension(Extension.deltaCRLIndicator, true, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
    }
    for (Revoked r : entries) {
      if (r.invalidSince() == null) {
        b.addCRLEntry(r.cert().getSerialNumber(), Date.from(thisUpdate), r.reason());
      } else {
        b.addCRLEntry(r.cert().getSerialNumber(), Date.from(thisUpdate), r.reason(), Date.from(r.invalidSince()));
      }
    }
    return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
  }

  /** What to sign and how. */
  record Options(String scheme, Instant signingTime, Instant expiry, boolean timestamp, Instant genTime) {
    static Options x509(Instant signingTime) {
      return new Options(SignatureEnvelope.SCHEME_X509, signingTime, null, false, null);
    }

    Options withExpiry(Instant e) {
      return new Options(scheme, signingTime, e, timestamp, genTime);
    }

    Options timestamped(Instant at) {
      return new Options(scheme, signingTime, expiry, true, at);
    }

    Options signingAuthority() {
      return new Options(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY, signingTime, expiry, timestamp, genTime);
    }
  }

  List<X509Certificate> chain() {
    return List.of(leaf.cert(), intermediate.cert(), root.cert());
  }

  static byte[] payload(Descriptor subject) {
    return ("{\"targetArtifact\":{\"digest\":\"" + subject.digest() + "\",\"mediaType\":\"" + subject.mediaType()
        + "\",\"size\":" + subject.size() + "}}").getBytes(StandardCharsets.UTF_8);
  }

  byte[] jws(Descriptor subject, Options o) throws Exception {
    boolean sa = o.scheme().equals(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY);
    String timeKey = sa ? JwsEnvelope.AUTHENTIC_SIGNING_TIME : JwsEnvelope.SIGNING_TIME;
    StringBuilder crit = new StringBuilder("[\"io.cncf.notary.signingScheme\"");
    if (sa) {
      crit.append(",\"").append(JwsEnvelope.AUTHENTIC_SIGNING_TIME).append('"');
    }
    if (o.expiry() != null) {
      crit.append(",\"io.cncf.notary.expiry\"");
    }
    crit.append(']');
    String prot = "{\"alg\":\"ES256\",\"crit\":" + crit + ",\"cty\":\"" + SignatureEnvelope.PAYLOAD_TYPE + "\""
        + (o.expiry() == null ? "" : ",\"io.cncf.notary.expiry\":\"" + o.expiry() + "\"")
        + ",\"io.cncf.notary.signingScheme\":\"" + o.scheme() + "\",\"" + timeKey + "\":\"" + o.signingTime() + "\"}";
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String p64 = url.encodeToString(prot.getBytes(StandardCharsets.UTF_8));
    String b64 = url.encodeToString(payload(subject));
    byte[] sig = sign((p64 + "." + b64).getBytes(StandardCharsets.US_ASCII));
    ObjectNode env = Json.MAPPER.createObjectNode();
    env.put("payload", b64);
    env.put("protected", p64);
    ObjectNode h = env.putObject("header");
    var x5c = h.putArray("x5c");
    for (X509Certificate c : chain()) {
      x5c.add(Base64.getEncoder().encodeToString(c.getEncoded()));
    }
    h.put("io.cncf.notary.signingAgent", "airlock-test/1");
    if (o.timestamp()) {
      h.put("io.cncf.notary.timestampSignature", Base64.getEncoder().encodeToString(timestamp(sig, o.genTime())));
    }
    env.put("signature", url.encodeToString(sig));
    return Json.write(env);
  }

  byte[] cose(Descriptor subject, Options o) throws Exception {
    boolean sa = o.scheme().equals(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY);
    CBORFactory f = new CBORFactory();
    ByteArrayOutputStream protBytes = new ByteArrayOutputStream();
    try (CBORGenerator g = f.createGenerator(protBytes)) {
      g.writeStartObject();
      g.writeFieldId(1);
      g.writeNumber(-7);
      g.writeFieldId(2);
      g.writeStartArray();
      g.writeString(JwsEnvelope.SIGNING_SCHEME);
      if (sa) {
        g.writeString(JwsEnvelope.AUTHENTIC_SIGNING_TIME);
      }
      if (o.expiry() != null) {
        g.writeString(JwsEnvelope.EXPIRY);
      }
      g.writeEndArray();
      g.writeFieldId(3);
      g.writeString(SignatureEnvelope.PAYLOAD_TYPE);
      g.writeFieldName(JwsEnvelope.SIGNING_SCHEME);
      g.writeString(o.scheme());
      g.writeFieldName(sa ? JwsEnvelope.AUTHENTIC_SIGNING_TIME : JwsEnvelope.SIGNING_TIME);
      g.writeTag(1);
      g.writeNumber(o.signingTime().getEpochSecond());
      if (o.expiry() != null) {
        g.writeFieldName(JwsEnvelope.EXPIRY);
        g.writeTag(1);
        g.writeNumber(o.expiry().getEpochSecond());
      }
      g.writeEndObject();
    }
    byte[] prot = protBytes.toByteArray();
    byte[] payload = payload(subject);
    byte[] sig = sign(CoseEnvelope.sigStructure(prot, payload));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = f.createGenerator(out)) {
      g.writeTag(18);
      g.writeStartArray(null, 4); // definite length, as go-cose writes it
      g.writeBinary(prot);
      g.writeStartObject();
      g.writeFieldId(33);
      g.writeStartArray();
      for (X509Certificate c : chain()) {
        g.writeBinary(c.getEncoded());
      }
      g.writeEndArray();
      g.writeFieldName(JwsEnvelope.SIGNING_AGENT);
      g.writeString("airlock-test/1");
      if (o.timestamp()) {
        g.writeFieldName(JwsEnvelope.TIMESTAMP);
        g.writeBinary(timestamp(sig, o.genTime()));
      }
      g.writeEndObject();
      g.writeBinary(payload);
      g.writeBinary(sig);
      g.writeEndArray();
    }
    return out.toByteArray();
  }

  private byte[] sign(byte[] data) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(leaf.key());
    s.update(data);
    return s.sign();
  }

  /** An RFC 3161 token from the test TSA over SHA-256 of {@code signature}, 1 s accuracy. */
  byte[] timestamp(byte[] signature, Instant genTime) throws Exception {
    TimeStampRequestGenerator rg = new TimeStampRequestGenerator();
    rg.setCertReq(true);
    TimeStampRequest req = rg.generate(TSPAlgorithms.SHA256,
        MessageDigest.getInstance("SHA-256").digest(signature));
    var signer = new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA", tsa.key(), tsa.cert());
    TimeStampTokenGenerator gen = new TimeStampTokenGenerator(signer,
        new JcaDigestCalculatorProviderBuilder().build().get(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
            org.bouncycastle.asn1.oiw.OIWObjectIdentifiers.idSHA1)), new ASN1ObjectIdentifier("1.2.3.4.1"));
    gen.setAccuracySeconds(1);
    gen.addCertificates(new JcaCertStore(List.of(tsa.cert())));
    return gen.generate(req, BigInteger.ONE, Date.from(genTime)).getEncoded();
  }

  /** Writes a trust store: ca:acme (or signingAuthority:acme) = root, tsa:acme = TSA root, crl/ files. */
  Path store(Path dir, String type, List<X509CRL> crls) throws Exception {
    Path root = dir.resolve("store-" + type + "-" + System.nanoTime());
    write(root.resolve("x509/" + type + "/acme/root.crt"), this.root.cert().getEncoded());
    write(root.resolve("x509/tsa/acme/tsa-root.cer"), tsaRoot.cert().getEncoded());
    for (int i = 0; i < crls.size(); i++) {
      write(root.resolve("crl/" + i + ".crl"), crls.get(i).getEncoded());
    }
    return root;
  }

  private static void write(Path p, byte[] b) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, b);
  }

  /** Stores a signature manifest of {@code subject} in the OCI 1.1 form (artifactType, empty config). */
  static RawManifest storeSignature(LayoutStore l, RawManifest subject, String envelopeType, byte[] envelope) throws IOException {
    Descriptor empty = l.putBytes(MediaTypes.OCI_EMPTY, TestImages.utf8("{}"));
    Descriptor layer = l.putBytes(envelopeType, envelope);
    ObjectNode m = TestImages.manifest(MediaTypes.NOTATION_SIGNATURE, empty, List.of(layer), subject.descriptor());
    m.set("annotations", Json.MAPPER.valueToTree(Map.of("io.cncf.notary.x509chain.thumbprint#S256", "[]")));
    return TestImages.store(l, m, null);
  }

  static List<X509CRL> none() {
    return new ArrayList<>();
  }
}
