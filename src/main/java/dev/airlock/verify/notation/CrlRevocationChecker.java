package dev.airlock.verify.notation;

import java.security.GeneralSecurityException;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;

/**
 * Offline revocation of a certificate chain from CRLs the caller has (a trust store's {@code crl/}
 * directory, files carried beside the bundle); nothing is fetched, and OCSP is never asked. For each
 * certificate, root to leaf, that names a CRL distribution point or an OCSP responder: a CRL issued by
 * its issuer (same name, signature verifying with the issuer's key), current at the verification time
 * ({@code thisUpdate <= t <= nextUpdate}), must be present. A certificate that names neither is not
 * checked, as the spec says. No usable CRL means the status is unknown, which fails like a revocation.
 *
 * <p>A listed serial number is judged as the Notary Project trust store and trust policy specification
 * ("Revocation Checking with CRL") says:
 * <ul>
 *   <li>with an {@code invalidityDate} entry extension and an authenticated signing time (a verified
 *       timestamp, or {@code authenticSigningTime}) before that date, the signature was made while the key
 *       was still good: not revoked for this signature. Without either, the certificate is revoked.
 *   <li>reason {@code certificateHold} is a temporary revocation: revoked, unless a current delta CRL of the
 *       same issuer lists it with {@code removeFromCRL}. Offline, an expired CRL cannot be refetched, so a
 *       hold in it (like an absent entry) leaves the status unknown.
 *   <li>any other reason in a CRL that has expired still revokes: revocation is permanent.
 * </ul>
 */
public final class CrlRevocationChecker {
  private CrlRevocationChecker() {}

  /** As {@link #check(List, List, Instant, Instant)} with no authenticated signing time. */
  public static void check(List<X509Certificate> chain, List<X509CRL> crls, Instant at) throws NotationCheckException {
    check(chain, crls, at, null);
  }

  /**
   * @param at the verification time CRLs must be current at
   * @param signingTime the authenticated signing time (timestamp's, or authenticSigningTime), null when none
   * @throws NotationCheckException (revocation) naming the revoked certificate, or the one whose status is unknown
   */
  public static void check(List<X509Certificate> chain, List<X509CRL> crls, Instant at, Instant signingTime)
      throws NotationCheckException {
    for (int i = chain.size() - 1; i >= 0; i--) {
      X509Certificate c = chain.get(i);
      if (!namesRevocationSource(c)) {
        continue;
      }
      X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c;
      List<String> unusable = new ArrayList<>();
      X509CRL good = null;
      X509CRLEntry hold = null;
      List<X509CRL> deltas = new ArrayList<>();
      for (X509CRL crl : crls) {
        if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
          continue;
        }
        try {
          crl.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException e) {
          unusable.add("a CRL of " + CertificateChains.subject(issuer) + " is not signed by its key");
          continue;
        }
        boolean current = !at.isBefore(crl.getThisUpdate().toInstant())
            && (crl.getNextUpdate() == null || !at.isAfter(crl.getNextUpdate().toInstant()));
        if (crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null) {
          if (current) {
            deltas.add(crl);
          }
          continue;
        }
        X509CRLEntry entry = crl.getRevokedCertificate(c.getSerialNumber());
        boolean listed = entry != null && !validAtSigning(entry, signingTime);
        if (listed && !isHold(entry)) {
          throw revoked(c, entry, "");
        }
        if (!current) {
          unusable.add("the CRL of " + CertificateChains.subject(issuer) + " is not current at " + at + " (next update "
              + (crl.getNextUpdate() == null ? "none" : crl.getNextUpdate().toInstant()) + ")"
              + (listed ? " and puts the certificate on hold" : ""));
          continue;
        }
        if (listed) {
          hold = entry;
        }
        good = crl;
      }
      if (good == null) {
        throw new NotationCheckException(Check.REVOCATION, "the revocation status of certificate "
            + CertificateChains.subject(c) + " is unknown: "
            + (unusable.isEmpty() ? "no CRL of its issuer is available offline" : unusable.get(0)));
      }
      boolean released = false;
      for (X509CRL delta : deltas) {
        X509CRLEntry entry = delta.getRevokedCertificate(c.getSerialNumber());
        if (entry == null) {
          continue;
        }
        if (entry.getRevocationReason() == CRLReason.REMOVE_FROM_CRL) {
          released = true;
        } else if (!validAtSigning(entry, signingTime)) {
          if (!isHold(entry)) {
            throw revoked(c, entry, " (delta CRL)");
          }
          hold = entry;
        }
      }
      if (hold != null && !released) {
        throw revoked(c, hold, "");
      }
    }
  }

  private static boolean isHold(X509CRLEntry e) {
    return e.getRevocationReason() == CRLReason.CERTIFICATE_HOLD;
  }

  /** True when the entry's invalidity date is after the authenticated signing time: the key was good when it signed. */
  private static boolean validAtSigning(X509CRLEntry e, Instant signingTime) {
    Instant invalid = invalidityDate(e);
    return invalid != null && signingTime != null && signingTime.isBefore(invalid);
  }

  static Instant invalidityDate(X509CRLEntry e) {
    byte[] v = e.getExtensionValue(Extension.invalidityDate.getId());
    if (v == null) {
      return null;
    }
    try {
      return ASN1GeneralizedTime.getInstance(ASN1OctetString.getInstance(v).getOctets()).getDate().toInstant();
    } catch (java.text.ParseException | RuntimeException ex) {
      return null; // an unreadable invalidity date does not excuse anything: the entry revokes
    }
  }

  private static NotationCheckException revoked(X509Certificate c, X509CRLEntry entry, String where) {
    Instant invalid = invalidityDate(entry);
    String reason = entry.getRevocationReason() == null ? "" : " (" + entry.getRevocationReason() + ")";
    return new NotationCheckException(Check.REVOCATION, "certificate " + CertificateChains.subject(c)
        + " (serial 0x" + c.getSerialNumber().toString(16) + ") is " + (isHold(entry) ? "on hold, so revoked," : "revoked")
        + where + " since " + entry.getRevocationDate().toInstant() + reason
        + (invalid == null ? "" : ", invalid since " + invalid));
  }

  /** True when the certificate names a CRL distribution point or an OCSP responder. */
  static boolean namesRevocationSource(X509Certificate c) {
    return c.getExtensionValue(Extension.cRLDistributionPoints.getId()) != null
        || c.getExtensionValue(Extension.authorityInfoAccess.getId()) != null && hasOcsp(c);
  }

  private static boolean hasOcsp(X509Certificate c) {
    try {
      byte[] v = c.getExtensionValue(Extension.authorityInfoAccess.getId());
      var aia = org.bouncycastle.asn1.x509.AuthorityInformationAccess.getInstance(
          org.bouncycastle.asn1.ASN1OctetString.getInstance(v).getOctets());
      for (var ad : aia.getAccessDescriptions()) {
        if (ad.getAccessMethod().equals(org.bouncycastle.asn1.x509.AccessDescription.id_ad_ocsp)) {
          return true;
        }
      }
    } catch (RuntimeException e) {
      return true;
    }
    return false;
  }
}
