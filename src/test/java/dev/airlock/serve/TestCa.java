package dev.airlock.serve;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made by a test (Bouncy Castle): a root, an intermediate under it, and server
 * certificates for {@code localhost} and {@code 127.0.0.1} issued by the intermediate, written as the PEM
 * files {@code serve --tls-cert/--tls-key} reads. Nothing is kept beyond the test's directory.
 */
final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  final String name;
  final KeyPair rootKey;
  final X509Certificate root;
  final KeyPair intermediateKey;
  final X509Certificate intermediate;

  /** A server certificate and its key. */
  record Leaf(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {}

  private TestCa(String name) throws GeneralSecurityException, IOException {
    this.name = name;
    rootKey = ec();
    root = ca(new X500Name("CN=" + name + " root"), rootKey, new X500Name("CN=" + name + " root"), rootKey, 1);
    intermediateKey = ec();
    intermediate = ca(new X500Name("CN=" + name + " intermediate"), intermediateKey, new X500Name("CN=" + name + " root"),
        rootKey, 0);
  }

  static TestCa create(String name) throws GeneralSecurityException, IOException {
    return new TestCa(name);
  }

  static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static String sigAlg(PrivateKey k) {
    return k.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
  }

  private X509Certificate ca(X500Name subject, KeyPair key, X500Name issuer, KeyPair issuerKey, int pathLen)
      throws GeneralSecurityException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, key.getPublic());
    JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLen));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(key.getPublic()));
    return sign(b, issuerKey.getPrivate());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey k) throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder(sigAlg(k)).build(k);
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** A server certificate for localhost and 127.0.0.1 with a key of its own ({@code rsa}: RSA 2048, else P-256). */
  Leaf leaf(String cn, boolean rsa) throws GeneralSecurityException, IOException {
    KeyPair key = rsa ? rsa() : ec();
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name + " intermediate"),
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + cn), key.getPublic());
    JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(intermediate));
    X509Certificate cert = sign(b, intermediateKey.getPrivate());
    return new Leaf(cert, key.getPrivate(), List.of(cert, intermediate));
  }

  static String pem(Object... objects) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      for (Object o : objects) {
        p.writeObject(o);
      }
    }
    return w.toString();
  }

  /** The key as PKCS#8 ({@code PRIVATE KEY}). */
  static String pkcs8(PrivateKey key) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(new JcaPKCS8Generator(key, null));
    }
    return w.toString();
  }

  /**
   * The key in the traditional form openssl writes: {@code RSA PRIVATE KEY} (PKCS#1), or {@code EC PRIVATE KEY}
   * (SEC 1 with the curve and the public key, as {@code openssl ecparam -genkey} writes it).
   */
  static String traditional(PrivateKey key, java.security.PublicKey pub) throws IOException {
    if (!key.getAlgorithm().equals("EC")) {
      return pem(key);
    }
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(
        pub.getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
        ((java.security.interfaces.ECPrivateKey) key).getS(), spki.getPublicKeyData(),
        info.getPrivateKeyAlgorithm().getParameters());
    StringWriter w = new StringWriter();
    try (org.bouncycastle.util.io.pem.PemWriter p = new org.bouncycastle.util.io.pem.PemWriter(w)) {
      p.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }
    return w.toString();
  }

  /** The key as encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, AES-256-CBC). */
  static String encryptedPkcs8(PrivateKey key, String password) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(new JcaPKCS8Generator(key, new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
          org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
          .setPassword(password.toCharArray()).build()));
    }
    return w.toString();
  }

  /** Writes the leaf's chain and key (PKCS#8 or, with {@code traditional}, EC/RSA PRIVATE KEY) to the two files. */
  static void write(Leaf leaf, Path cert, Path key, boolean traditional) throws IOException {
    Path tmpCert = cert.resolveSibling(cert.getFileName() + ".new");
    Path tmpKey = key.resolveSibling(key.getFileName() + ".new");
    Files.writeString(tmpCert, pem(leaf.chain().toArray()), StandardCharsets.US_ASCII);
    Files.writeString(tmpKey, traditional ? traditional(leaf.key(), leaf.certificate().getPublicKey())
        : pkcs8(leaf.key()), StandardCharsets.US_ASCII);
    Files.move(tmpKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Files.move(tmpCert, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** A directory as skopeo/podman {@code --cert-dir} read it: {@code ca.crt}, this CA's root. */
  Path certDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("ca.crt"), pem(root), StandardCharsets.US_ASCII);
    return dir;
  }

  /** The root as one PEM file (helm --ca-file, containerd hosts.toml ca). */
  Path caFile(Path file) throws IOException {
    Files.writeString(file, pem(root), StandardCharsets.US_ASCII);
    return file;
  }

  /** The certificate a TLS handshake with 127.0.0.1:port trusting only this CA gets (no session reuse). */
  X509Certificate served(int port) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), new SecureRandom());
    try (SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  /** An HTTP client trusting only this CA. */
  java.net.http.HttpClient httpClient() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(ks);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), new SecureRandom());
    return java.net.http.HttpClient.newBuilder().sslContext(c).version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  }
}
