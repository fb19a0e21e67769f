package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.policy.CosignSignatureVerifier;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test Sigstore instance made in the test: a 'Fulcio' CA that issues short-lived leaf certificates with
 * the Fulcio identity extensions (SAN e-mail, OIDC issuer OIDs 1.3.6.1.4.1.57264.1.1 and .1.8), and a
 * 'Rekor' key that signs SignedEntryTimestamps over cosign's canonical JSON
 * {@code {body, integratedTime, logID, logIndex}}; {@link #trustedRootJson()} names both, in the
 * trusted_root.json format sigstore-java parses.
 */
public final class TestSigstore {
  public static final Instant INTEGRATED = Instant.parse("2026-01-15T10:00:00Z");
  private static final Instant START = Instant.parse("2020-01-01T00:00:00Z");
  private static final ASN1ObjectIdentifier ISSUER_V1 = new ASN1ObjectIdentifier("1.3.6.1.4.1.57264.1.1");
  private static final ASN1ObjectIdentifier ISSUER_V2 = new ASN1ObjectIdentifier("1.3.6.1.4.1.57264.1.8");
  private static final AtomicLong SERIAL = new AtomicLong(100);

  final KeyPair caKey;
  final X509Certificate ca;
  final KeyPair rekorKey;

  public TestSigstore(String name) throws Exception {
    caKey = ecKey();
    rekorKey = ecKey();
    X500Name subject = new X500Name("O=airlock-test,CN=" + name);
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(START), Date.from(START.plus(Duration.ofDays(5000))), subject, caKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    ca = certificate(b, caKey.getPrivate());
  }

  static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate certificate(X509v3CertificateBuilder b, PrivateKey signer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  public KeyPair rekorKey() {
    return rekorKey;
  }

  /** trusted_root.json with this CA and this Rekor key. */
  public byte[] trustedRootJson() throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    byte[] rekorDer = rekorKey.getPublic().getEncoded();
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("mediaType", "application/vnd.dev.sigstore.trustedroot+json;version=0.1");
    ObjectNode tlog = root.putArray("tlogs").addObject();
    tlog.put("baseUrl", "https://rekor.test.invalid");
    tlog.put("hashAlgorithm", "SHA2_256");
    ObjectNode pk = tlog.putObject("publicKey");
    pk.put("rawBytes", b64.encodeToString(rekorDer));
    pk.put("keyDetails", "PKIX_ECDSA_P256_SHA_256");
    pk.putObject("validFor").put("start", START.toString());
    tlog.putObject("logId").put("keyId", b64.encodeToString(MessageDigest.getInstance("SHA-256").digest(rekorDer)));
    ObjectNode caNode = root.putArray("certificateAuthorities").addObject();
    caNode.putObject("subject").put("organization", "airlock-test").put("commonName", "test-fulcio");
    caNode.put("uri", "https://fulcio.test.invalid");
    caNode.putObject("certChain").putArray("certificates").addObject().put("rawBytes", b64.encodeToString(ca.getEncoded()));
    caNode.putObject("validFor").put("start", START.toString());
    root.putArray("ctlogs");
    root.putArray("timestampAuthorities");
    return Json.write(root);
  }

  /**
   * trusted_root.json with this CA, this Rekor key and a CT log of {@code ctKey} (valid from 2020), for leaves from
   * {@link #issueWithSct}.
   */
  public byte[] trustedRootJson(KeyPair ctKey) throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode root = (ObjectNode) Json.tree(trustedRootJson(), "root");
    ObjectNode ct = root.putArray("ctlogs").addObject();
    ct.put("baseUrl", "https://ctfe.test.invalid");
    ct.put("hashAlgorithm", "SHA2_256");
    ObjectNode pk = ct.putObject("publicKey");
    pk.put("rawBytes", b64.encodeToString(ctKey.getPublic().getEncoded()));
    pk.put("keyDetails", "PKIX_ECDSA_P256_SHA_256");
    pk.putObject("validFor").put("start", START.toString());
    ct.putObject("logId").put("keyId",
        b64.encodeToString(MessageDigest.getInstance("SHA-256").digest(ctKey.getPublic().getEncoded())));
    return Json.write(root);
  }

  /** A new EC P-256 key pair (e.g. a CT log key for {@link #trustedRootJson(KeyPair)}). */
  public static KeyPair newKey() throws Exception {
    return ecKey();
  }

  /**
   * As {@link #issue}, with an embedded SCT signed by {@code ctKey} (the leaf builder of CustomTrustedRootTest), as
   * airlock's own keyless path and sigstore-java require of a bundle's Fulcio leaf.
   */
  public Leaf issueWithSct(String identity, String issuer, KeyPair ctKey) throws Exception {
    KeyPair key = ecKey();
    return new Leaf(key, CustomTrustedRootTest.leafWithSct(this, ctKey, key, identity, issuer), this);
  }

  /** A Fulcio-style leaf for {@code identity} (SAN e-mail) and OIDC {@code issuer}, issued by this CA. */
  public Leaf issue(String identity, String issuer) throws Exception {
    KeyPair key = ecKey();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(INTEGRATED.minusSeconds(60)), Date.from(INTEGRATED.plusSeconds(600)), new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
        key.getPublic());
    b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.rfc822Name, identity)));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
    b.addExtension(ISSUER_V1, false, issuer.getBytes(StandardCharsets.UTF_8));
    b.addExtension(ISSUER_V2, false, new DERUTF8String(issuer));
    return new Leaf(key, certificate(b, caKey.getPrivate()), this);
  }

  /** A leaf certificate and its key; {@link #signCosign} makes the annotations of a keyless cosign {@code .sig} layer. */
  public record Leaf(KeyPair key, X509Certificate cert, TestSigstore ca) {
    /** Signs {@code payload} and logs it in {@code log}'s Rekor (whose key makes the SignedEntryTimestamp). */
    public Map<String, String> signCosign(byte[] payload, TestSigstore log) throws Exception {
      return signCosign(payload, log, log.rekorKey);
    }

    /** As above, but the SignedEntryTimestamp is made with {@code setKey} (a forged one when it is not the log's). */
    public Map<String, String> signCosign(byte[] payload, TestSigstore log, KeyPair setKey) throws Exception {
      return signCosign(payload, log, setKey, INTEGRATED);
    }

    /** As above, logged (and its SignedEntryTimestamp signed) with the integrated time {@code integrated}. */
    public Map<String, String> signCosign(byte[] payload, TestSigstore log, KeyPair setKey, Instant integrated)
        throws Exception {
      Base64.Encoder b64 = Base64.getEncoder();
      byte[] sig = sign(key.getPrivate(), payload);
      String certPem = pem(cert);
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("apiVersion", "0.0.1");
      body.put("kind", "hashedrekord");
      ObjectNode spec = body.putObject("spec");
      spec.putObject("data").putObject("hash").put("algorithm", "sha256").put("value", Digest.sha256(payload).hex());
      ObjectNode s = spec.putObject("signature");
      s.put("content", b64.encodeToString(sig));
      s.putObject("publicKey").put("content", b64.encodeToString(certPem.getBytes(StandardCharsets.UTF_8)));
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(CosignSignatureVerifier.SIGNATURE_ANNOTATION, b64.encodeToString(sig));
      annotations.putAll(logged(body, log, setKey, integrated));
      return annotations;
    }

    /** A keyless cosign {@code .att} layer: the DSSE envelope bytes and its annotations. */
    public record Attestation(byte[] envelope, Map<String, String> annotations) {}

    /**
     * Signs PAE({@code payloadType}, {@code payload}) into a DSSE envelope and logs it as cosign does: an
     * {@code intoto} 0.0.1 entry recording the envelope's and the payload's sha256 and the certificate.
     */
    public Attestation attest(String payloadType, byte[] payload, TestSigstore log, KeyPair setKey) throws Exception {
      return attest(payloadType, payload, log, setKey, "intoto 0.0.1");
    }

    /**
     * As above, logged as an entry of {@code kind}: {@code intoto 0.0.1} as cosign does, {@code intoto 0.0.2}
     * (signatures base64 twice, as Rekor stores them) or {@code dsse 0.0.1}, as newer clients do.
     */
    public Attestation attest(String payloadType, byte[] payload, TestSigstore log, KeyPair setKey, String kind)
        throws Exception {
      Base64.Encoder b64 = Base64.getEncoder();
      byte[] sig = sign(key.getPrivate(), Dsse.pae(payloadType, payload));
      byte[] envelope = Json.write(new Dsse(payloadType, payload, List.of(new Dsse.Signature("", sig))).toJson());
      String certPemB64 = b64.encodeToString(pem(cert).getBytes(StandardCharsets.UTF_8));
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("apiVersion", kind.split(" ")[1]);
      body.put("kind", kind.split(" ")[0]);
      ObjectNode spec = body.putObject("spec");
      switch (kind) {
        case "intoto 0.0.1" -> {
          ObjectNode content = spec.putObject("content");
          content.putObject("hash").put("algorithm", "sha256").put("value", Digest.sha256(envelope).hex());
          content.putObject("payloadHash").put("algorithm", "sha256").put("value", Digest.sha256(payload).hex());
          spec.put("publicKey", certPemB64);
        }
        case "intoto 0.0.2" -> {
          ObjectNode content = spec.putObject("content");
          ObjectNode e = content.putObject("envelope");
          e.put("payloadType", payloadType);
          e.putArray("signatures").addObject().put("publicKey", certPemB64).put("sig", b64.encodeToString(b64.encode(sig)));
          content.putObject("hash").put("algorithm", "sha256").put("value", Digest.sha256(envelope).hex());
          content.putObject("payloadHash").put("algorithm", "sha256").put("value", Digest.sha256(payload).hex());
        }
        case "dsse 0.0.1" -> {
          spec.putObject("envelopeHash").put("algorithm", "sha256").put("value", Digest.sha256(envelope).hex());
          spec.putObject("payloadHash").put("algorithm", "sha256").put("value", Digest.sha256(payload).hex());
          spec.putArray("signatures").addObject().put("signature", b64.encodeToString(sig)).put("verifier", certPemB64);
        }
        default -> throw new IllegalArgumentException(kind);
      }
      return new Attestation(envelope, logged(body, log, setKey, INTEGRATED));
    }

    /** The certificate, chain and Rekor bundle annotations for an entry {@code body} in {@code log}. */
    private Map<String, String> logged(ObjectNode body, TestSigstore log, KeyPair setKey, Instant integrated)
        throws Exception {
      Base64.Encoder b64 = Base64.getEncoder();
      String bodyB64 = b64.encodeToString(Json.write(body));
      String logId = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(log.rekorKey.getPublic().getEncoded()));
      Map<String, Object> entry = new TreeMap<>();
      entry.put("body", bodyB64);
      entry.put("integratedTime", integrated.getEpochSecond());
      entry.put("logID", logId);
      entry.put("logIndex", 4242L);
      // RFC 8785 canonical JSON, as cosign's VerifySET computes it: sorted keys, no whitespace
      byte[] canonical = ("{\"body\":\"" + bodyB64 + "\",\"integratedTime\":" + integrated.getEpochSecond()
          + ",\"logID\":\"" + logId + "\",\"logIndex\":4242}").getBytes(StandardCharsets.UTF_8);
      ObjectNode bundle = Json.MAPPER.createObjectNode();
      bundle.put("SignedEntryTimestamp", b64.encodeToString(sign(setKey.getPrivate(), canonical)));
      bundle.set("Payload", Json.MAPPER.valueToTree(entry));
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(CosignSignatureVerifier.CERTIFICATE_ANNOTATION, pem(cert));
      annotations.put(CosignSignatureVerifier.CHAIN_ANNOTATION, pem(ca.ca));
      annotations.put(CosignSignatureVerifier.BUNDLE_ANNOTATION, new String(Json.write(bundle), StandardCharsets.UTF_8));
      return annotations;
    }
  }

  static byte[] sign(PrivateKey key, byte[] data) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(data);
    return s.sign();
  }

  static String pem(X509Certificate c) throws Exception {
    java.io.StringWriter w = new java.io.StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(c);
    }
    return w.toString();
  }
}
