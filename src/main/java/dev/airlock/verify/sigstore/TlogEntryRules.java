package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.sigstore.trustroot.TransparencyLog;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The time rules of the Sigstore client specification for a bundle's transparency log entries, checked
 * in airlock's own code on top of sigstore-java: the entry's log must be one of the trusted root's and the
 * entry must have been integrated within that log key's validity window; it must not be integrated in
 * the future (beyond a small clock skew); and the integrated time must lie within the signing
 * certificate's validity. An integrated time counts only when the log signed it (an inclusion promise);
 * Rekor v2 entries carry none (integratedTime 0), so their time must come from an RFC 3161 signed
 * timestamp verified against the trusted root's TSAs ({@link SignedTimestamps}); an entry with neither
 * is refused. Every signed timestamp obeys the same rules as an integrated time.
 */
public final class TlogEntryRules {
  /** Clock skew allowed between the log and this machine. */
  public static final Duration SKEW = Duration.ofMinutes(5);

  private TlogEntryRules() {}

  /**
   * Every transparency log entry of {@code bundle}: its log is in {@code root}, its body records the bundle's
   * content (signature over {@code artifactSha256}, or DSSE envelope) and certificate
   * ({@link TlogEntryBodies}), its inclusion proof leads to the root hash of a checkpoint signed by that
   * log's key (or, without one, a v0.1 bundle's inclusion promise is there), and its integrated time obeys
   * the time rules. A bundle without any entry is refused.
   */
  public static void check(JsonNode bundle, byte[] artifactSha256, TrustRoot root, Instant now) {
    X509Certificate leaf = leaf(bundle.path("verificationMaterial"));
    JsonNode entries = bundle.path("verificationMaterial").path("tlogEntries");
    if (!entries.isArray() || entries.isEmpty()) {
      throw new VerificationException("the bundle has no transparency log entry");
    }
    TlogEntryBodies.Content content = TlogEntryBodies.content(bundle, artifactSha256, leaf);
    List<Instant> stamps = null; // verified once the first entry's log is known to be the root's
    boolean v01 = "0.1".equals(version(bundle));
    for (JsonNode e : entries) {
      String keyId = e.path("logId").path("keyId").asText("");
      String kindName = e.path("kindVersion").path("kind").asText("?");
      String version = e.path("kindVersion").path("version").asText("?");
      String kind = kindName + " " + version;
      TrustedRootWindows.Window w = root.windows().tlog(keyId);
      if (w == null) {
        throw new VerificationException("the " + kind + " log entry is in log " + keyId + ", which the trusted root "
            + root.source() + " does not list");
      }
      if (stamps == null) {
        stamps = SignedTimestamps.verified(bundle, root);
      }
      byte[] body = decode(e.path("canonicalizedBody").asText(null), "the " + kind + " log entry's body");
      TlogEntryBodies.check(kindName, version, body, content);
      JsonNode proof = e.path("inclusionProof");
      boolean promisedEntry = e.path("inclusionPromise").path("signedEntryTimestamp").isTextual();
      if (proof.isObject() && !proof.path("checkpoint").path("envelope").isTextual() && v01 && promisedEntry) {
        // a v0.1 bundle's proof may lack the checkpoint; the promise (verified with the log key) signs the entry
        auditPath(proof, body, kind);
      } else if (proof.isObject()) {
        inclusion(proof, body, logKey(root, keyId), kind);
      } else if (!v01) {
        throw new VerificationException("the " + kind + " log entry has no inclusion proof, which bundles from v0.2 on"
            + " must carry (bundle " + bundle.path("mediaType").asText("?") + ")");
      } else if (!e.path("inclusionPromise").path("signedEntryTimestamp").isTextual()) {
        throw new VerificationException("the " + kind + " log entry has neither an inclusion proof nor an inclusion promise");
      }
      long seconds = e.path("integratedTime").asLong(0);
      boolean promised = e.path("inclusionPromise").path("signedEntryTimestamp").isTextual();
      if (seconds != 0 && promised) {
        // the integrated time is signed by the log (the promise sigstore-java has verified with the log's key)
        checkTime(Instant.ofEpochSecond(seconds), w, keyId, leaf, now);
      } else if (stamps.isEmpty()) {
        unsignedTime(e, kind);
      }
      for (Instant t : stamps) {
        checkTime("signed timestamp", t, w, keyId, leaf, now);
      }
    }
  }

  /**
   * The first, structural, part of the time rule, checked before anything else: every entry has a time the
   * log signed (an integrated time with its inclusion promise), or the bundle carries at least one signed
   * timestamp (whose verification {@link #check} does). A Rekor v2 entry (integratedTime 0) in a bundle
   * without timestamp is refused here, as a verification failure with one line saying why.
   */
  public static void requireSignedTime(JsonNode bundle) {
    JsonNode stamps = bundle.path("verificationMaterial").path("timestampVerificationData").path("rfc3161Timestamps");
    if (stamps.isArray() && !stamps.isEmpty()) {
      return;
    }
    for (JsonNode e : bundle.path("verificationMaterial").path("tlogEntries")) {
      unsignedTime(e, e.path("kindVersion").path("kind").asText("?") + " " + e.path("kindVersion").path("version").asText("?"));
    }
  }

  private static void unsignedTime(JsonNode e, String kind) {
    long seconds = e.path("integratedTime").asLong(0);
    if (seconds == 0 || !e.path("inclusionPromise").path("signedEntryTimestamp").isTextual()) {
      throw new VerificationException("the " + kind + " log entry has no signed integrated time ("
          + (seconds == 0 ? "integratedTime 0, as Rekor v2 entries have" : "no inclusion promise signs it")
          + ") and the bundle carries no signed timestamp: nothing authenticates when it was signed");
    }
  }

  /**
   * The entry's inclusion proof: the RFC 6962 audit path from the leaf hash of {@code body} to the root
   * hash, and the checkpoint, signed by {@code logKey}, for the same tree size and root hash.
   */
  /**
   * The bundle format version of {@code bundle}'s media type: {@code application/vnd.dev.sigstore.bundle+json;version=0.N}
   * or {@code application/vnd.dev.sigstore.bundle.v0.N+json}; null for anything else.
   */
  public static String version(JsonNode bundle) {
    String mt = bundle.path("mediaType").asText("");
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("application/vnd\\.dev\\.sigstore\\.bundle(?:\\+json;version=(0\\.[0-9]+)|\\.v(0\\.[0-9]+)\\+json)")
        .matcher(mt);
    return m.matches() ? (m.group(1) != null ? m.group(1) : m.group(2)) : null;
  }

  /**
   * The second structural rule, before sigstore-java parses anything: from bundle v0.2 on every entry must carry an
   * inclusion proof with its checkpoint (v0.1 may carry only the inclusion promise, or a proof without checkpoint).
   */
  public static void requireInclusionProof(JsonNode bundle) {
    if ("0.1".equals(version(bundle))) {
      return;
    }
    for (JsonNode e : bundle.path("verificationMaterial").path("tlogEntries")) {
      JsonNode proof = e.path("inclusionProof");
      if (!proof.isObject() || !proof.path("checkpoint").path("envelope").isTextual()) {
        String kind = e.path("kindVersion").path("kind").asText("?") + " " + e.path("kindVersion").path("version").asText("?");
        throw new VerificationException("the " + kind + " log entry has no inclusion proof" + (proof.isObject()
            ? " checkpoint" : "") + ", which bundles from v0.2 on must carry (bundle " + bundle.path("mediaType").asText("?") + ")");
      }
    }
  }

  /** The RFC 6962 audit path of {@code proof} from the leaf hash of {@code body} to the proof's root hash. */
  static void auditPath(JsonNode proof, byte[] body, String kind) {
    long index = number(proof.path("logIndex"), "the " + kind + " inclusion proof's log index");
    long size = number(proof.path("treeSize"), "the " + kind + " inclusion proof's tree size");
    byte[] rootHash = decode(proof.path("rootHash").asText(null), "the " + kind + " inclusion proof's root hash");
    List<byte[]> path = new ArrayList<>();
    for (JsonNode h : proof.path("hashes")) {
      path.add(decode(h.asText(null), "a hash of the " + kind + " inclusion proof"));
    }
    MerkleProof.verifyInclusion(index, size, MerkleProof.leafHash(body), path, rootHash);
  }

  static void inclusion(JsonNode proof, byte[] body, PublicKey logKey, String kind) {
    long index = number(proof.path("logIndex"), "the " + kind + " inclusion proof's log index");
    long size = number(proof.path("treeSize"), "the " + kind + " inclusion proof's tree size");
    byte[] rootHash = decode(proof.path("rootHash").asText(null), "the " + kind + " inclusion proof's root hash");
    List<byte[]> path = new ArrayList<>();
    for (JsonNode h : proof.path("hashes")) {
      path.add(decode(h.asText(null), "a hash of the " + kind + " inclusion proof"));
    }
    MerkleProof.verifyInclusion(index, size, MerkleProof.leafHash(body), path, rootHash);
    Checkpoint cp = Checkpoint.parse(proof.path("checkpoint").path("envelope").asText(null));
    if (cp.size() != size || !MessageDigest.isEqual(cp.rootHash(), rootHash)) {
      throw new VerificationException("the " + kind + " inclusion proof's checkpoint is for another tree (size " + cp.size()
          + ", the proof's " + size + ")");
    }
    if (!cp.signedBy(logKey)) {
      throw new VerificationException("the " + kind + " inclusion proof's checkpoint (" + cp.origin()
          + ") is not signed by the log's key in the trusted root");
    }
  }

  static PublicKey logKey(TrustRoot root, String keyIdB64) {
    byte[] id = decode(keyIdB64, "the log id");
    for (TransparencyLog t : root.sigstore().getTLogs()) {
      if (MessageDigest.isEqual(t.getLogId().getKeyId(), id)) {
        try {
          return t.getPublicKey().toJavaPublicKey();
        } catch (GeneralSecurityException e) {
          throw new VerificationException("the trusted root's key of log " + keyIdB64 + " cannot be read: " + e.getMessage());
        }
      }
    }
    throw new VerificationException("the trusted root " + root.source() + " has no key for log " + keyIdB64);
  }

  private static long number(JsonNode n, String what) {
    String s = n.asText("");
    if (!s.matches("0|[1-9][0-9]{0,18}")) {
      throw new VerificationException(what + " '" + s + "' is not a number");
    }
    return Long.parseLong(s);
  }

  static byte[] decode(String b64, String what) {
    if (b64 == null) {
      throw new VerificationException(what + " is missing");
    }
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException ex) {
      throw new VerificationException(what + " is not base64");
    }
  }

  /** The rules for one integrated time {@code t} in the log whose window is {@code w}. */
  public static void checkTime(Instant t, TrustedRootWindows.Window w, String logName, X509Certificate leaf, Instant now) {
    checkTime("integrated time", t, w, logName, leaf, now);
  }

  /** As above for a time of kind {@code what} ("integrated time", "signed timestamp"). */
  static void checkTime(String what, Instant t, TrustedRootWindows.Window w, String logName, X509Certificate leaf,
      Instant now) {
    String at = "the log entry's " + what + " " + t;
    if (t.isAfter(now.plus(SKEW))) {
      throw new VerificationException(at + " is in the future (now " + now + ")");
    }
    if (w != null && !w.contains(t)) {
      throw new VerificationException(at + " is outside the validity " + w + " of log " + logName + " in the trusted root");
    }
    if (leaf != null && (t.isBefore(leaf.getNotBefore().toInstant()) || t.isAfter(leaf.getNotAfter().toInstant()))) {
      throw new VerificationException(at + " is outside the signing certificate's validity ["
          + leaf.getNotBefore().toInstant() + ", " + leaf.getNotAfter().toInstant() + "]");
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
