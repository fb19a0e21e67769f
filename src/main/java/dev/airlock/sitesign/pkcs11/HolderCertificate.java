package dev.airlock.sitesign.pkcs11;

import dev.airlock.InvalidInputException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A holder certificate for a key made on a PKCS#11 token (by {@code pkcs11-tool --keypairgen}): the JDK's PKCS#11
 * key store lists a private key only beside a certificate object with its CKA_ID, so one is written to the token
 * next to the key. It carries the token key's public key and is signed by a throwaway key: nothing trusts it as a
 * certificate; airlock reads only its public key, and checks, each time it opens the key, that a signature by the
 * token verifies with it.
 */
public final class HolderCertificate {
  private HolderCertificate() {}

  /** DER of a certificate for {@code publicKey}, subject and issuer {@code subject}, valid from now for 20 years. */
  public static byte[] of(PublicKey publicKey, String subject) {
    X500Name name;
    try {
      name = new X500Name(subject);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--subject '" + subject + "' is not a distinguished name (e.g. CN=site signing)");
    }
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      var throwaway = g.generateKeyPair();
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()).abs(),
          Date.from(now), Date.from(now.plus(20 * 365L, ChronoUnit.DAYS)), name,
          SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()));
      return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(throwaway.getPrivate())).getEncoded();
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("cannot make the holder certificate: " + e.getMessage(), e);
    }
  }
}
