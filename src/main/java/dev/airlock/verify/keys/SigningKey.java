package dev.airlock.verify.keys;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A private key with its public key, read from or written to a cosign-compatible key file. Supports
 * ECDSA P-256, Ed25519 and RSA. Signatures are what cosign makes: ECDSA/RSA over SHA-256, Ed25519 pure.
 */
public final class SigningKey {
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  /** The provider holding a key that never leaves its device (a PKCS#11 token); null for a key in memory. */
  private final java.security.Provider device;

  private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
    this(privateKey, publicKey, null);
  }

  private SigningKey(PrivateKey privateKey, PublicKey publicKey, java.security.Provider device) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.device = device;
  }

  /**
   * A key held by a device ({@code provider}, e.g. SunPKCS11 configured for a token): every signature is made by
   * the device through the provider; {@code publicKey} is its public half (ECDSA P-256 or RSA).
   */
  public static SigningKey onDevice(PrivateKey privateKey, PublicKey publicKey, java.security.Provider provider) {
    return new SigningKey(privateKey, publicKey, java.util.Objects.requireNonNull(provider));
  }

  /** The device provider's name, or null for a key in memory. */
  public String device() {
    return device == null ? null : device.getName();
  }

  /** A fresh ECDSA P-256 key (what {@code cosign generate-key-pair} makes). */
  public static SigningKey generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      return new SigningKey(kp.getPrivate(), kp.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ECDSA P-256 key", e);
    }
  }

  /** Reads an encrypted cosign key file ({@code ENCRYPTED SIGSTORE PRIVATE KEY} or the older COSIGN type). */
  public static SigningKey load(Path file, char[] password) throws IOException {
    String text = dev.airlock.files.BoundedFile.utf8(dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.KEY_CAP, "key file"), "key file " + file, "PEM");
    return fromPkcs8(EncryptedKeyFile.decrypt(text, password, "key file " + file), "key file " + file);
  }

  /** A key from PKCS#8 DER; SEC1 and other encodings are refused with a clear message. */
  public static SigningKey fromPkcs8(byte[] der, String what) {
    PrivateKeyInfo info;
    try {
      info = PrivateKeyInfo.getInstance(der);
    } catch (IllegalArgumentException | IllegalStateException e) {
      info = null;
    }
    if (info == null) {
      throw new InvalidInputException(what + ": " + (looksLikeSec1(der)
          ? "the key is a SEC1 EC private key, not PKCS#8 (cosign rejects it too); re-encode it as PKCS#8"
          : "the decrypted key is not a PKCS#8 private key"));
    }
    var oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    try {
      if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        var curve = info.getPrivateKeyAlgorithm().getParameters();
        if (!X9ObjectIdentifiers.prime256v1.equals(curve)) {
          throw new InvalidInputException(what + ": unsupported EC curve " + curve + ", only P-256 is supported");
        }
        ECPrivateKey priv = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        return new SigningKey(priv, ecPublic(priv.getS()));
      }
      if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
        PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
        byte[] pub = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        byte[] spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), pub).getEncoded();
        return new SigningKey(priv, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
      }
      if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
        KeyFactory kf = KeyFactory.getInstance("RSA");
        RSAPrivateCrtKey priv = (RSAPrivateCrtKey) kf.generatePrivate(new PKCS8EncodedKeySpec(der));
        return new SigningKey(priv, kf.generatePublic(new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent())));
      }
    } catch (GeneralSecurityException | IOException | ClassCastException e) {
      throw new InvalidInputException(what + ": cannot read the private key: " + e.getMessage());
    }
    throw new InvalidInputException(what + ": unsupported private key algorithm " + oid
        + " (supported: ECDSA P-256, Ed25519, RSA)");
  }

  private static boolean looksLikeSec1(byte[] der) {
    try {
      return org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(ASN1Sequence.getInstance(der)) != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static PublicKey ecPublic(BigInteger s) throws GeneralSecurityException, IOException {
    ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec("secp256r1");
    ECPoint q = spec.getG().multiply(s).normalize();
    var params = new org.bouncycastle.asn1.x9.X962Parameters(SECObjectIdentifiers.secp256r1);
    byte[] spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, params),
        q.getEncoded(false)).getEncoded();
    return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  /** Signs {@code data} the way cosign does for this key type. */
  public byte[] sign(byte[] data) {
    if (device != null) {
      return signOnDevice(new java.io.ByteArrayInputStream(data));
    }
    if (privateKey instanceof ECPrivateKey ec) {
      return deterministicEcdsa(ec, data);
    }
    try {
      Signature s = Signature.getInstance(PublicKeys.signatureAlgorithm(privateKey));
      s.initSign(privateKey);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed: " + e.getMessage(), e);
    }
  }

  /**
   * Signs the bytes of {@code data} as {@link #sign(byte[])} does, read once as they stream (ECDSA hashes them as
   * they come; RSA and Ed25519 go through the JCA signature's update), for documents too large to hold (receipts).
   */
  public byte[] sign(java.io.InputStream data) throws IOException {
    if (device != null) {
      return signOnDevice(data);
    }
    byte[] buf = new byte[64 * 1024];
    int n;
    try {
      if (privateKey instanceof ECPrivateKey ec) {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        while ((n = data.read(buf)) >= 0) {
          md.update(buf, 0, n);
        }
        return deterministicEcdsaOfHash(ec, md.digest());
      }
      Signature s = Signature.getInstance(PublicKeys.signatureAlgorithm(privateKey));
      s.initSign(privateKey);
      while ((n = data.read(buf)) >= 0) {
        s.update(buf, 0, n);
      }
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed: " + e.getMessage(), e);
    }
  }

  /** The device signs (the JCA algorithm chosen by the public key: SHA256withECDSA, SHA256withRSA). */
  private byte[] signOnDevice(java.io.InputStream data) {
    try {
      Signature s = Signature.getInstance(PublicKeys.signatureAlgorithm(publicKey), device);
      s.initSign(privateKey);
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = data.read(buf)) >= 0) {
        s.update(buf, 0, n);
      }
      return s.sign();
    } catch (GeneralSecurityException | IOException e) {
      throw new dev.airlock.AirlockException("signing with the key on " + device.getName() + " failed: "
          + e.getMessage(), e);
    }
  }

  /**
   * ECDSA over SHA-256 with the nonce derived from the key and the message (RFC 6979), DER-encoded as the JDK
   * writes it: any verifier accepts it, and the same key and data always give the same signature, so a bundle
   * (and its parts) written twice from the same content with {@code --lock} is byte-identical.
   */
  private static byte[] deterministicEcdsa(ECPrivateKey key, byte[] data) {
    try {
      return deterministicEcdsaOfHash(key, java.security.MessageDigest.getInstance("SHA-256").digest(data));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed: " + e.getMessage(), e);
    }
  }

  private static byte[] deterministicEcdsaOfHash(ECPrivateKey key, byte[] hash) {
    try {
      var params = org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil.generatePrivateKeyParameter(key);
      var signer = new org.bouncycastle.crypto.signers.ECDSASigner(
          new org.bouncycastle.crypto.signers.HMacDSAKCalculator(new org.bouncycastle.crypto.digests.SHA256Digest()));
      signer.init(true, params);
      BigInteger[] rs = signer.generateSignature(hash);
      return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
          new org.bouncycastle.asn1.ASN1Integer(rs[0]), new org.bouncycastle.asn1.ASN1Integer(rs[1])}).getEncoded();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("signing failed: " + e.getMessage(), e);
    }
  }

  /** The encrypted key file text (fresh salt and nonce, cosign's scrypt parameters). */
  public String encryptedPem(char[] password) {
    return EncryptedKeyFile.encrypt(privateKey.getEncoded(), password, new SecureRandom());
  }

  public String publicKeyPem() {
    return PublicKeys.toPem(publicKey);
  }
}
