package dev.airlock.verify.keys;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/** PKIX public keys in PEM ({@code PUBLIC KEY}), and signature checks with them through plain JCA. */
public final class PublicKeys {
  private PublicKeys() {}

  public static final String PEM_TYPE = "PUBLIC KEY";

  public static PublicKey load(Path file) throws IOException {
    return parsePem(dev.airlock.files.BoundedFile.utf8(dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.KEY_CAP, "key file"), "key file " + file, "PEM"), file.toString());
  }

  public static PublicKey parsePem(String text, String what) {
    Pem pem = Pem.parse(text, what);
    if (!pem.type().equals(PEM_TYPE)) {
      throw new InvalidInputException(what + ": PEM type is '" + pem.type() + "', expected " + PEM_TYPE);
    }
    return fromDer(pem.der(), what);
  }

  /**
   * A SubjectPublicKeyInfo (ECDSA, Ed25519, RSA). Its algorithm is read with a few lines of DER rather than
   * Bouncy Castle, whose ASN.1 classes cost every verify with a key about 60 ms to load (issue 18); the key
   * itself is decoded, and checked, by the JDK's KeyFactory.
   */
  public static PublicKey fromDer(byte[] der, String what) {
    String alg;
    try {
      String oid = algorithmOid(der);
      alg = switch (oid) {
        case "1.2.840.10045.2.1" -> "EC";
        case "1.3.101.112" -> "Ed25519";
        case "1.2.840.113549.1.1.1" -> "RSA";
        default -> throw new InvalidInputException(what + ": unsupported public key algorithm " + oid);
      };
      return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new InvalidInputException(what + " is not a valid public key: " + e.getMessage());
    }
  }

  /**
   * The dotted algorithm OID of a DER SubjectPublicKeyInfo: {@code SEQUENCE { SEQUENCE { OID, ... }, BIT
   * STRING }}. Throws IllegalArgumentException for anything else.
   */
  static String algorithmOid(byte[] der) {
    int[] pos = {0};
    int outerEnd = enter(der, pos, 0x30, der.length);
    if (outerEnd != der.length) {
      throw new IllegalArgumentException("trailing bytes after the key");
    }
    int algEnd = enter(der, pos, 0x30, outerEnd);
    int oidEnd = enter(der, pos, 0x06, algEnd);
    if (oidEnd == pos[0]) {
      throw new IllegalArgumentException("empty algorithm identifier");
    }
    StringBuilder sb = new StringBuilder();
    long v = 0;
    boolean first = true;
    for (int i = pos[0]; i < oidEnd; i++) {
      int b = der[i] & 0xff;
      if (v > (Long.MAX_VALUE >> 7)) {
        throw new IllegalArgumentException("algorithm identifier too long");
      }
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) {
        if (first) {
          int arc = v < 40 ? 0 : v < 80 ? 1 : 2;
          sb.append(arc).append('.').append(v - 40L * arc);
          first = false;
        } else {
          sb.append('.').append(v);
        }
        v = 0;
      } else if (i == oidEnd - 1) {
        throw new IllegalArgumentException("truncated algorithm identifier");
      }
    }
    return sb.toString();
  }

  /** Reads a tag and definite length at {@code pos[0]}, leaves it at the contents; returns where they end. */
  private static int enter(byte[] der, int[] pos, int tag, int limit) {
    int p = pos[0];
    if (p + 2 > limit || (der[p] & 0xff) != tag) {
      throw new IllegalArgumentException("not a DER SubjectPublicKeyInfo");
    }
    int len = der[p + 1] & 0xff;
    p += 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3 || p + n > limit) {
        throw new IllegalArgumentException("bad DER length");
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[p++] & 0xff);
      }
    }
    if (len > limit - p) {
      throw new IllegalArgumentException("DER length beyond the key");
    }
    pos[0] = p;
    return p + len;
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

  /**
   * {@link #verify(PublicKey, byte[], byte[])} over the bytes of a stream, read once (documents too large to hold:
   * receipts).
   */
  public static boolean verify(PublicKey key, java.io.InputStream data, byte[] signature) throws IOException {
    try {
      Signature s = Signature.getInstance(signatureAlgorithm(key));
      s.initVerify(key);
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = data.read(buf)) >= 0) {
        s.update(buf, 0, n);
      }
      return s.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
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
