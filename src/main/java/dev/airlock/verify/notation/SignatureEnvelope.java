package dev.airlock.verify.notation;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.List;

/**
 * A parsed Notation signature envelope (JWS or COSE), as a view over the received bytes: the signed
 * payload, the signed attributes, the certificate chain (leaf first) and the unsigned timestamp
 * countersignature. {@link #verifySignature()} checks the cryptographic signature with the leaf key.
 *
 * @param mediaType {@code application/jose+json} or {@code application/cose}
 * @param algorithm {@code PS256}, {@code PS384}, {@code PS512}, {@code ES256}, {@code ES384}, {@code ES512}
 * @param signedBytes what the signature covers (JWS signing input, COSE Sig_structure)
 * @param signature the raw signature value (what an RFC 3161 timestamp's message imprint is over)
 * @param signingTime {@code io.cncf.notary.signingTime} (null when absent)
 * @param authenticSigningTime {@code io.cncf.notary.authenticSigningTime} (null when absent)
 * @param expiry {@code io.cncf.notary.expiry} (null when absent)
 * @param timestampToken the DER RFC 3161 TimeStampToken, or null
 */
public record SignatureEnvelope(
    String mediaType,
    String algorithm,
    String contentType,
    byte[] payload,
    byte[] signedBytes,
    byte[] signature,
    String signingScheme,
    Instant signingTime,
    Instant authenticSigningTime,
    Instant expiry,
    List<X509Certificate> certificateChain,
    String signingAgent,
    byte[] timestampToken) {

  public static final String JWS = "application/jose+json";
  public static final String COSE = "application/cose";
  public static final String PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json";
  public static final String SCHEME_X509 = "notary.x509";
  public static final String SCHEME_SIGNING_AUTHORITY = "notary.x509.signingAuthority";

  /** Parses an envelope by its media type (the signature manifest's layer type). */
  public static SignatureEnvelope parse(String mediaType, byte[] bytes) throws NotationCheckException {
    if (JWS.equals(mediaType)) {
      return JwsEnvelope.parse(bytes);
    }
    if (COSE.equals(mediaType)) {
      return CoseEnvelope.parse(bytes);
    }
    throw new NotationCheckException(Check.INTEGRITY, "signature envelope type '" + mediaType
        + "' is not supported (" + JWS + " or " + COSE + ")");
  }

  public X509Certificate leaf() {
    return certificateChain.get(0);
  }

  /** Short name for reports: {@code JWS} or {@code COSE}. */
  public String envelopeName() {
    return JWS.equals(mediaType) ? "JWS" : "COSE";
  }

  /**
   * Checks the signature over {@link #signedBytes} with the leaf certificate's key, and that the envelope's
   * algorithm is the one Notation ties to that key (RSA 2048/3072/4096 with PS256/384/512, ECDSA
   * P-256/384/521 with ES256/384/512).
   */
  public void verifySignature() throws NotationCheckException {
    PublicKey key = leaf().getPublicKey();
    String expected = algorithmFor(key);
    if (!algorithm.equals(expected)) {
      throw new NotationCheckException(Check.INTEGRITY, "the signature algorithm " + algorithm
          + " does not match the signing certificate's key (" + expected + ")");
    }
    try {
      Signature s;
      if (algorithm.startsWith("PS")) {
        String hash = "SHA-" + algorithm.substring(2);
        int saltLength = Integer.parseInt(algorithm.substring(2)) / 8;
        s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1));
      } else {
        s = Signature.getInstance("SHA" + algorithm.substring(2) + "withECDSAinP1363Format");
      }
      s.initVerify(key);
      s.update(signedBytes);
      if (!s.verify(signature)) {
        throw new NotationCheckException(Check.INTEGRITY, "the signature does not verify with the signing certificate's key");
      }
    } catch (GeneralSecurityException e) {
      throw new NotationCheckException(Check.INTEGRITY, "the signature cannot be checked: " + e.getMessage(), e);
    }
  }

  /** The algorithm Notation requires for a key, or a description of why the key is unsupported. */
  static String algorithmFor(PublicKey key) throws NotationCheckException {
    if (key instanceof RSAPublicKey r) {
      return switch (r.getModulus().bitLength()) {
        case 2048 -> "PS256";
        case 3072 -> "PS384";
        case 4096 -> "PS512";
        default -> throw new NotationCheckException(Check.INTEGRITY, "RSA key of " + r.getModulus().bitLength()
            + " bits is not supported (2048, 3072 or 4096)");
      };
    }
    if (key instanceof ECPublicKey e) {
      return switch (e.getParams().getCurve().getField().getFieldSize()) {
        case 256 -> "ES256";
        case 384 -> "ES384";
        case 521 -> "ES512";
        default -> throw new NotationCheckException(Check.INTEGRITY, "EC curve of " + e.getParams().getCurve()
            .getField().getFieldSize() + " bits is not supported (P-256, P-384 or P-521)");
      };
    }
    throw new NotationCheckException(Check.INTEGRITY, key.getAlgorithm() + " keys are not supported (RSA or ECDSA)");
  }
}
