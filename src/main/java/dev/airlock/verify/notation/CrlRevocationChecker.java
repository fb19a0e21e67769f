package dev.airlock.verify.notation;

import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.Extension;

/**
 * Offline revocation of a certificate chain from CRLs the caller has (a trust store's {@code crl/}
 * directory, files carried beside the bundle); nothing is fetched, and OCSP is never asked. For each
 * certificate, root to leaf, that names a CRL distribution point or an OCSP responder: a CRL issued by
 * its issuer (same name, signature verifying with the issuer's key), current at the verification time
 * ({@code thisUpdate <= t <= nextUpdate}), must be present and must not list its serial number. A
 * certificate that names neither is not checked, as the spec says. No usable CRL means the status is
 * unknown, which fails like a revocation.
 */
public final class CrlRevocationChecker {
  private CrlRevocationChecker() {}

  /** @throws NotationCheckException (revocation) naming the revoked certificate, or the one whose status is unknown */
  public static void check(List<X509Certificate> chain, List<X509CRL> crls, Instant at) throws NotationCheckException {
    for (int i = chain.size() - 1; i >= 0; i--) {
      X509Certificate c = chain.get(i);
      if (!namesRevocationSource(c)) {
        continue;
      }
      X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c;
      List<String> unusable = new ArrayList<>();
      X509CRL good = null;
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
        if (at.isBefore(crl.getThisUpdate().toInstant())
            || (crl.getNextUpdate() != null && at.isAfter(crl.getNextUpdate().toInstant()))) {
          unusable.add("the CRL of " + CertificateChains.subject(issuer) + " is not current at " + at + " (next update "
              + (crl.getNextUpdate() == null ? "none" : crl.getNextUpdate().toInstant()) + ")");
          continue;
        }
        if (crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null) {
          continue;
        }
        X509CRLEntry entry = crl.getRevokedCertificate(c.getSerialNumber());
        if (entry != null) {
          throw new NotationCheckException(Check.REVOCATION, "certificate " + CertificateChains.subject(c)
              + " (serial 0x" + c.getSerialNumber().toString(16) + ") is revoked since "
              + entry.getRevocationDate().toInstant() + (entry.getRevocationReason() == null ? ""
                  : " (" + entry.getRevocationReason() + ")"));
        }
        good = crl;
      }
      if (good == null) {
        throw new NotationCheckException(Check.REVOCATION, "the revocation status of certificate "
            + CertificateChains.subject(c) + " is unknown: "
            + (unusable.isEmpty() ? "no CRL of its issuer is available offline" : unusable.get(0)));
      }
      for (X509CRL crl : crls) {
        if (crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null
            && crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
          try {
            crl.verify(issuer.getPublicKey());
          } catch (GeneralSecurityException e) {
            continue;
          }
          X509CRLEntry entry = crl.getRevokedCertificate(c.getSerialNumber());
          if (entry != null && !at.isAfter(crl.getNextUpdate() == null ? Instant.MAX : crl.getNextUpdate().toInstant())) {
            throw new NotationCheckException(Check.REVOCATION, "certificate " + CertificateChains.subject(c)
                + " is revoked (delta CRL) since " + entry.getRevocationDate().toInstant());
          }
        }
      }
    }
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
