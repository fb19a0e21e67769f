package dev.airlock.verify.keys;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** PKIX public keys in PEM ({@code PUBLIC KEY}), and signature checks with them through plain JCA. */
public final class PublicKeys {
  private PublicKeys() {}

  public static final String PEM_TYPE = "PUBLIC KEY";

  public static PublicKey load(Path file) throws IOException {
    return parsePem(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  public static PublicKey parsePem(String text, String what) {
    Pem pem = Pem.parse(text, what);
    if (!pem.type().equals(PEM_TYPE)) {
      throw new InvalidInputException(what + ": PEM type is '" + pem.type() + "', expected " + PEM_TYPE);
    }
    return fromDer(pem.der(), what);
  }

  /** A SubjectPublicKeyInfo (ECDSA, Ed25519, RSA). */
  public static PublicKey fromDer(byte[] der, String what) {
    String alg;
    try {
      SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(der);
      var oid = spki.getAlgorithm().getAlgorithm();
      if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        alg = "EC";
      } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
        alg = "Ed25519";
      } else if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
        alg = "RSA";
      } else {
        throw new InvalidInputException(what + ": unsupported public key algorithm " + oid);
      }
      return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new InvalidInputException(what + " is not a valid public key: " + e.getMessage());
    }
  }

  public static String toPem(PublicKey key) {
    return Pem.encode(PEM_TYPE, key.getEncoded());
  }

  /** An identifier for hints and reports: hex sha256 of the PKIX DER. */
  public static String keyId(PublicKey key) {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JCA signature algorithm cosign uses with this key type (ECDSA and RSA PKCS#1 v1.5 over SHA-256). */
  public static String signatureAlgorithm(java.security.Key key) {
    if (key instanceof ECPublicKey || key instanceof java.security.interfaces.ECPrivateKey) {
      return "SHA256withECDSA";
    }
    if (key instanceof RSAPublicKey || key instanceof java.security.interfaces.RSAPrivateKey) {
      return "SHA256withRSA";
    }
    if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
      return "Ed25519";
    }
    throw new InvalidInputException("unsupported key type " + key.getAlgorithm());
  }

  /** True when {@code signature} is a valid signature of {@code data} by {@code key}; false on any malformation. */
  public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature s = Signature.getInstance(signatureAlgorithm(key));
      s.initVerify(key);
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
