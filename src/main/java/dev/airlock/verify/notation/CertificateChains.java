package dev.airlock.verify.notation;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;

/**
 * The structural rules of Notation's certificate chains (signature-specification.md, "Certificate
 * requirements"), without time: each certificate is issued and signed by the next, the last is a
 * self-signed root, CAs say so in basicConstraints, and the leaf is fit for its purpose (code signing or
 * time stamping). Validity periods are checked apart, at the time the caller decides.
 */
final class CertificateChains {
  static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
  static final String TIME_STAMPING = "1.3.6.1.5.5.7.3.8";

  private CertificateChains() {}

  /** @param purposeEku the EKU the leaf must have when it has any ({@link #CODE_SIGNING} or {@link #TIME_STAMPING}) */
  static void validate(List<X509Certificate> chain, String purposeEku, String what) throws ChainException {
    if (chain.isEmpty()) {
      throw new ChainException(what + " chain is empty");
    }
    X509Certificate leaf = chain.get(0);
    boolean[] ku = leaf.getKeyUsage();
    if (ku == null || !ku[0]) {
      throw new ChainException(what + " certificate " + subject(leaf) + " lacks the digitalSignature key usage");
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new ChainException(what + " certificate " + subject(leaf) + " has an unreadable extended key usage");
    }
    if (purposeEku.equals(TIME_STAMPING) && (eku == null || !eku.contains(TIME_STAMPING))) {
      throw new ChainException(what + " certificate " + subject(leaf) + " lacks the timeStamping extended key usage");
    }
    if (eku != null && !eku.contains(purposeEku) && !eku.contains("2.5.29.37.0")) {
      throw new ChainException(what + " certificate " + subject(leaf) + " has no "
          + (purposeEku.equals(CODE_SIGNING) ? "codeSigning" : "timeStamping") + " extended key usage");
    }
    boolean single = chain.size() == 1;
    if (!single && leaf.getBasicConstraints() >= 0) {
      throw new ChainException(what + " certificate " + subject(leaf) + " is a CA certificate, not an end-entity one");
    }
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate c = chain.get(i);
      X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c;
      if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
        throw new ChainException(what + " chain is broken: " + subject(c) + " is not issued by "
            + (issuer == c ? "itself (the last certificate must be a self-signed root)" : subject(issuer)));
      }
      try {
        c.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new ChainException(what + " chain is broken: " + subject(c) + " is not signed by " + subject(issuer));
      }
      if (i > 0) {
        if (c.getBasicConstraints() < 0) {
          throw new ChainException(what + " chain: " + subject(c) + " issues certificates but is not a CA");
        }
        boolean[] cku = c.getKeyUsage();
        if (cku != null && !cku[5]) {
          throw new ChainException(what + " chain: " + subject(c) + " lacks the keyCertSign key usage");
        }
        if (c.getBasicConstraints() != Integer.MAX_VALUE && c.getBasicConstraints() < i - 1) {
          throw new ChainException(what + " chain: " + subject(c) + " exceeds its path length constraint");
        }
      }
    }
  }

  /** The first certificate not valid at {@code t}, as a sentence; null when all are. */
  static String invalidAt(List<X509Certificate> chain, Instant t) {
    for (X509Certificate c : chain) {
      if (t.isBefore(c.getNotBefore().toInstant())) {
        return "certificate " + subject(c) + " is not valid before " + c.getNotBefore().toInstant() + " (checked at " + t + ")";
      }
      if (t.isAfter(c.getNotAfter().toInstant())) {
        return "certificate " + subject(c) + " expired at " + c.getNotAfter().toInstant() + " (checked at " + t + ")";
      }
    }
    return null;
  }

  /** True when some certificate of {@code chain} is byte-for-byte one of {@code trusted}. */
  static X509Certificate firstTrusted(List<X509Certificate> chain, List<X509Certificate> trusted) throws GeneralSecurityException {
    for (X509Certificate t : trusted) {
      for (X509Certificate c : chain) {
        if (Arrays.equals(t.getEncoded(), c.getEncoded())) {
          return t;
        }
      }
    }
    return null;
  }

  static String subject(X509Certificate c) {
    return "'" + c.getSubjectX500Principal().getName() + "'";
  }

  static Date date(Instant i) {
    return Date.from(i);
  }

  /** A chain rule broken. */
  static final class ChainException extends Exception {
    ChainException(String message) {
      super(message);
    }
  }
}
