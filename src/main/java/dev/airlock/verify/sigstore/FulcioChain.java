package dev.airlock.verify.sigstore;

import dev.airlock.VerificationException;
import dev.sigstore.trustroot.CertificateAuthority;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A signing certificate's chain to a Fulcio CA of a trusted root, judged at the time its log entry was
 * integrated (PKIX, no revocation: Fulcio leaves live minutes): the CAs valid at that time are the anchors,
 * their intermediates complete the path.
 */
public final class FulcioChain {
  private FulcioChain() {}

  /** @throws VerificationException when no CA of {@code root} valid at {@code at} issued {@code leaf} */
  public static void verify(X509Certificate leaf, TrustRoot root, Instant at) throws Exception {
    List<X509Certificate> path = new ArrayList<>();
    path.add(leaf);
    Set<TrustAnchor> anchors = new HashSet<>();
    for (CertificateAuthority ca : root.sigstore().getCAs()) {
      if (!ca.getValidFor().contains(at)) {
        continue;
      }
      anchors.add(ca.asTrustAnchor());
      List<? extends java.security.cert.Certificate> chain = ca.getCertPath().getCertificates();
      for (int i = 0; i < chain.size() - 1; i++) {
        path.add((X509Certificate) chain.get(i));
      }
    }
    if (anchors.isEmpty()) {
      throw new VerificationException("no Fulcio CA in the trusted root was valid at " + at);
    }
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    for (int drop = path.size(); drop >= 1; drop--) {
      try {
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path.subList(0, drop)), params);
        return;
      } catch (CertPathValidatorException e) {
        // try a shorter path
      }
    }
    throw new VerificationException("the signing certificate does not chain to the trusted root's Fulcio CA");
  }
}
