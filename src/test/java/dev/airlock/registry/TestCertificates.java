package dev.airlock.registry;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test CA and a server certificate for {@code 127.0.0.1} (IP SAN) under it, made with Bouncy Castle and
 * written as PEM files a registry ({@code http.tls}) and {@code --ca-file} read; plus an unrelated CA.
 */
final class TestCertificates {
  final Path caPem;
  final Path otherCaPem;
  final Path serverCertPem;
  final Path serverKeyPem;

  TestCertificates(Path dir) throws Exception {
    KeyPair caKey = ecKey();
    X500Name caName = new X500Name("CN=airlock test CA");
    X509Certificate ca = ca(caName, caKey);
    KeyPair serverKey = ecKey();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(now.toEpochMilli() + 1),
        Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), new X500Name("CN=127.0.0.1"),
        serverKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate server = sign(b, caKey);
    X509Certificate other = ca(new X500Name("CN=some other CA"), ecKey());
    caPem = write(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
    otherCaPem = write(dir.resolve("other-ca.pem"), "CERTIFICATE", other.getEncoded());
    serverCertPem = write(dir.resolve("server.pem"), "CERTIFICATE", server.getEncoded());
    serverKeyPem = write(dir.resolve("server-key.pem"), "PRIVATE KEY", serverKey.getPrivate().getEncoded());
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate ca(X500Name name, KeyPair key) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), name, key.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return sign(b, key);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  private static Path write(Path file, String type, byte[] der) throws Exception {
    Files.writeString(file, "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n");
    return file;
  }
}
