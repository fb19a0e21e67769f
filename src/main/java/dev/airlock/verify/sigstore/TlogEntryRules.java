package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The time rules of the Sigstore client specification for a bundle's transparency log entries, checked
 * in airlock's own code on top of sigstore-java: the entry's log must be one of the trusted root's and the
 * entry must have been integrated within that log key's validity window; it must not be integrated in
 * the future (beyond a small clock skew); and the integrated time must lie within the signing
 * certificate's validity. Rekor v2 entries carry no integrated time (0): their time comes from a signed
 * timestamp, which sigstore-java checks against the trusted TSAs.
 */
public final class TlogEntryRules {
  /** Clock skew allowed between the log and this machine. */
  public static final Duration SKEW = Duration.ofMinutes(5);

  private TlogEntryRules() {}

  public static void check(JsonNode bundle, TrustRoot root, Instant now) {
    X509Certificate leaf = leaf(bundle.path("verificationMaterial"));
    JsonNode entries = bundle.path("verificationMaterial").path("tlogEntries");
    for (JsonNode e : entries) {
      String keyId = e.path("logId").path("keyId").asText("");
      String kind = e.path("kindVersion").path("kind").asText("?") + " " + e.path("kindVersion").path("version").asText("?");
      TrustedRootWindows.Window w = root.windows().tlog(keyId);
      if (w == null) {
        throw new VerificationException("the " + kind + " log entry is in log " + keyId + ", which the trusted root "
            + root.source() + " does not list");
      }
      long seconds = e.path("integratedTime").asLong(0);
      if (seconds == 0) {
        continue;
      }
      Instant t = Instant.ofEpochSecond(seconds);
      checkTime(t, w, keyId, leaf, now);
    }
  }

  /** The rules for one integrated time {@code t} in the log whose window is {@code w}. */
  public static void checkTime(Instant t, TrustedRootWindows.Window w, String logName, X509Certificate leaf, Instant now) {
    if (t.isAfter(now.plus(SKEW))) {
      throw new VerificationException("the log entry was integrated at " + t + ", in the future (now " + now + ")");
    }
    if (w != null && !w.contains(t)) {
      throw new VerificationException("the log entry was integrated at " + t + ", outside the validity " + w
          + " of log " + logName + " in the trusted root");
    }
    if (leaf != null && (t.isBefore(leaf.getNotBefore().toInstant()) || t.isAfter(leaf.getNotAfter().toInstant()))) {
      throw new VerificationException("the log entry was integrated at " + t + ", outside the signing certificate's"
          + " validity [" + leaf.getNotBefore().toInstant() + ", " + leaf.getNotAfter().toInstant() + "]");
    }
  }

  /** The leaf of a bundle's verification material (v0.3 {@code certificate}, v0.1/0.2 chain); null when keyed. */
  static X509Certificate leaf(JsonNode vm) {
    String raw = vm.path("certificate").path("rawBytes").asText(null);
    if (raw == null) {
      JsonNode chain = vm.path("x509CertificateChain").path("certificates");
      raw = chain.isArray() && !chain.isEmpty() ? chain.get(0).path("rawBytes").asText(null) : null;
    }
    if (raw == null) {
      return null;
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(raw)));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new VerificationException("the bundle's signing certificate cannot be read: " + e.getMessage());
    }
  }
}
