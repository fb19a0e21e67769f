package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
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
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * A timestamp authority made in the test, as a Sigstore deployment runs one: a root and a timestamping leaf
 * (EKU timeStamping, critical), granting RFC 3161 responses over the SHA-256 of a signature at a chosen time,
 * and named in a trusted root's {@code timestampAuthorities} by {@link #addTo}.
 */
final class TestTsa {
  final KeyPair rootKey;
  final KeyPair leafKey;
  final X509Certificate root;
  final X509Certificate leaf;

  TestTsa(String name) throws Exception {
    rootKey = TestSigstore.ecKey();
    leafKey = TestSigstore.ecKey();
    Instant from = Instant.parse("2020-01-01T00:00:00Z");
    X500Name rn = new X500Name("O=" + name + ",CN=" + name + " TSA root");
    JcaX509v3CertificateBuilder r = new JcaX509v3CertificateBuilder(rn, BigInteger.valueOf(7001), Date.from(from),
        Date.from(from.plus(Duration.ofDays(5000))), rn, rootKey.getPublic());
    r.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    r.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    root = cert(r, rootKey);
    JcaX509v3CertificateBuilder l = new JcaX509v3CertificateBuilder(rn, BigInteger.valueOf(7002), Date.from(from),
        Date.from(from.plus(Duration.ofDays(4000))), new X500Name("O=" + name + ",CN=" + name + " TSA"), leafKey.getPublic());
    l.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    l.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping));
    leaf = cert(l, rootKey);
  }

  private static X509Certificate cert(JcaX509v3CertificateBuilder b, KeyPair signer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  /** An RFC 3161 response (DER TimeStampResp, as a TSA answers) granting a token over SHA-256 of {@code signature} at {@code at}. */
  byte[] stamp(byte[] signature, Instant at) throws Exception {
    var signer = new JcaSimpleSignerInfoGeneratorBuilder().build("SHA256withECDSA", leafKey.getPrivate(), leaf);
    TimeStampTokenGenerator g = new TimeStampTokenGenerator(signer,
        new JcaDigestCalculatorProviderBuilder().build().get(new DefaultDigestAlgorithmIdentifierFinder().find("SHA-256")),
        new ASN1ObjectIdentifier("1.3.6.1.4.1.57264.2"));
    g.addCertificates(new JcaCertStore(List.of(leaf)));
    TimeStampRequestGenerator rq = new TimeStampRequestGenerator();
    rq.setCertReq(true);
    var request = rq.generate(NISTObjectIdentifiers.id_sha256, MessageDigest.getInstance("SHA-256").digest(signature),
        BigInteger.valueOf(42));
    return new TimeStampResponseGenerator(g, TSPAlgorithms.ALLOWED)
        .generate(request, BigInteger.valueOf(at.toEpochMilli()), Date.from(at)).getEncoded();
  }

  /** Adds this TSA (leaf, then root) to {@code trustedRoot}'s {@code timestampAuthorities}. */
  ObjectNode addTo(ObjectNode trustedRoot) throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    ArrayNode tsas = trustedRoot.has("timestampAuthorities") ? (ArrayNode) trustedRoot.get("timestampAuthorities")
        : trustedRoot.putArray("timestampAuthorities");
    ObjectNode t = tsas.addObject();
    t.putObject("subject").put("organization", "test").put("commonName", "test TSA");
    t.put("uri", "https://tsa.test.invalid");
    ArrayNode certs = t.putObject("certChain").putArray("certificates");
    certs.addObject().put("rawBytes", b64.encodeToString(leaf.getEncoded()));
    certs.addObject().put("rawBytes", b64.encodeToString(root.getEncoded()));
    t.putObject("validFor").put("start", "2020-01-01T00:00:00Z");
    return trustedRoot;
  }
}
