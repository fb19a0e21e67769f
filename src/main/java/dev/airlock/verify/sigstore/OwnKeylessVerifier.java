package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.PublicKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Keyless verification, in airlock's own code, of the bundles sigstore-java 2.0.0 cannot read: a v0.1 bundle whose
 * log entry carries only the inclusion promise, or an inclusion proof without checkpoint (both allowed in v0.1;
 * sigstore-python 1.x wrote the latter); and a DSSE bundle logged as a {@code hashedrekord} entry over the PAE
 * ("hashedrekord over DSSE", as Rekor v2 clients write it), which sigstore-java refuses as not a dsse entry.
 * Following the client specification: each entry's promise, when it has one (the SignedEntryTimestamp over
 * {@code {body, integratedTime, logID, logIndex}} in canonical JSON), verifies with the key of a log of the trusted
 * root; the signing certificate chains to a Fulcio CA of the root ({@link FulcioChain}) at the signed time (the
 * first promised integrated time, else the first RFC 3161 timestamp verified against the root's TSAs) and names
 * the identity; the signature verifies with the certificate's key (a DSSE envelope's PAE, whose statement must
 * name the artifact, or a message signature over the artifact's digest). {@link TlogEntryRules#check} then checks
 * the entry bodies, inclusion proofs and checkpoints and the time rules, as for every bundle. The leaf's embedded
 * SCT is checked against the root's CT logs ({@link EmbeddedScts}), as sigstore-java checks it on its path.
 */
final class OwnKeylessVerifier {
  private OwnKeylessVerifier() {}

  /** A v0.1 bundle with an entry lacking an inclusion proof or its checkpoint, or a DSSE bundle with a hashedrekord entry. */
  static boolean applies(JsonNode bundle) {
    boolean v01 = "0.1".equals(TlogEntryRules.version(bundle));
    boolean dsse = bundle.path("dsseEnvelope").isObject();
    for (JsonNode e : bundle.path("verificationMaterial").path("tlogEntries")) {
      if (v01 && !e.path("inclusionProof").path("checkpoint").path("envelope").isTextual()) {
        return true;
      }
      if (dsse && "hashedrekord".equals(e.path("kindVersion").path("kind").asText())) {
        return true;
      }
    }
    return false;
  }

  /** @return the in-toto statement when the bundle carries DSSE, else null */
  static Statement verify(JsonNode bundle, byte[] artifactSha256, TrustRoot root, CertificateIdentity identity) {
    X509Certificate leaf = TlogEntryRules.leaf(bundle.path("verificationMaterial"));
    if (leaf == null) {
      throw new VerificationException("the v0.1 bundle has no signing certificate (x509CertificateChain)");
    }
    Instant integrated = null;
    boolean v01 = "0.1".equals(TlogEntryRules.version(bundle));
    for (JsonNode e : bundle.path("verificationMaterial").path("tlogEntries")) {
      String kind = e.path("kindVersion").path("kind").asText("?") + " " + e.path("kindVersion").path("version").asText("?");
      String set = e.path("inclusionPromise").path("signedEntryTimestamp").asText(null);
      if (set == null) {
        if (v01 && !e.path("inclusionProof").path("checkpoint").path("envelope").isTextual()) {
          throw new VerificationException("the " + kind + " log entry of the v0.1 bundle has neither an inclusion promise"
              + " nor a checkpointed inclusion proof");
        }
        continue; // its time comes from a signed timestamp; its proof and checkpoint are checked by TlogEntryRules
      }
      long seconds = number(e.path("integratedTime"), "the " + kind + " log entry's integrated time");
      long index = number(e.path("logIndex"), "the " + kind + " log entry's log index");
      String keyId = e.path("logId").path("keyId").asText("");
      PublicKey logKey = TlogEntryRules.logKey(root, keyId);
      String body = e.path("canonicalizedBody").asText("");
      byte[] canonical = ("{\"body\":" + Json.MAPPER.valueToTree(body) + ",\"integratedTime\":" + seconds + ",\"logID\":\""
          + HexFormat.of().formatHex(TlogEntryRules.decode(keyId, "the log id")) + "\",\"logIndex\":" + index + "}")
          .getBytes(StandardCharsets.UTF_8);
      if (!PublicKeys.verify(logKey, canonical, TlogEntryRules.decode(set, "the " + kind + " inclusion promise"))) {
        throw new VerificationException("the " + kind + " log entry's inclusion promise does not verify with the key of log "
            + keyId + " in the trusted root");
      }
      if (integrated == null && seconds != 0) {
        integrated = Instant.ofEpochSecond(seconds);
      }
    }
    if (bundle.path("verificationMaterial").path("tlogEntries").isEmpty()) {
      throw new VerificationException("the bundle has no transparency log entry");
    }
    if (integrated == null) {
      java.util.List<Instant> stamps = SignedTimestamps.verified(bundle, root);
      if (stamps.isEmpty()) {
        throw new VerificationException("the bundle has neither a promised integrated time nor a signed timestamp");
      }
      integrated = stamps.get(0);
    }
    try {
      FulcioChain.verify(leaf, root, integrated);
      EmbeddedScts.verify(leaf, root);
    } catch (VerificationException e) {
      throw e;
    } catch (Exception e) {
      throw new VerificationException("the signing certificate cannot be checked: " + Json.firstLine(e.getMessage()));
    }
    if (!identity.matcher().test(leaf)) {
      throw new VerificationException("the certificate does not name " + identity);
    }
    PublicKey key = leaf.getPublicKey();
    if (bundle.path("dsseEnvelope").isObject()) {
      Dsse env = Dsse.fromJson(bundle.path("dsseEnvelope"), "Sigstore bundle");
      if (!env.verifiedBy(key)) {
        throw new VerificationException("the DSSE signature does not verify with the certificate's key");
      }
      Statement st = Statement.parse(env.payload(), "DSSE payload");
      if (!st.hasSubjectDigest(Digest.of(Digest.Algorithm.SHA256, artifactSha256))) {
        throw new VerificationException("the signed statement does not name the artifact");
      }
      return st;
    }
    JsonNode ms = bundle.path("messageSignature");
    byte[] md = TlogEntryRules.decode(ms.path("messageDigest").path("digest").asText(""), "the message digest");
    if (md.length > 0 && !MessageDigest.isEqual(md, artifactSha256)) {
      throw new VerificationException("the bundle's message digest does not match the artifact");
    }
    if (!verifyDigest(key, artifactSha256, TlogEntryRules.decode(ms.path("signature").asText(null), "the message signature"))) {
      throw new VerificationException("the message signature does not verify with the certificate's key");
    }
    return null;
  }

  /** A signature over SHA-256 {@code digest} of a message, checked from the digest alone (ECDSA, RSA PKCS#1 v1.5). */
  private static boolean verifyDigest(PublicKey key, byte[] digest, byte[] signature) {
    try {
      String alg = key.getAlgorithm();
      Signature s;
      byte[] input = digest;
      if (alg.equals("EC")) {
        s = Signature.getInstance("NONEwithECDSA");
      } else if (alg.equals("RSA")) {
        s = Signature.getInstance("NONEwithRSA");
        byte[] prefix = HexFormat.of().parseHex("3031300d060960864801650304020105000420");
        input = new byte[prefix.length + digest.length];
        System.arraycopy(prefix, 0, input, 0, prefix.length);
        System.arraycopy(digest, 0, input, prefix.length, digest.length);
      } else {
        throw new VerificationException("a " + alg + " message signature cannot be checked from the artifact's digest");
      }
      s.initVerify(key);
      s.update(input);
      return s.verify(signature);
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static long number(JsonNode n, String what) {
    String s = n.asText("");
    if (!s.matches("[1-9][0-9]{0,18}|0")) {
      throw new VerificationException(what + " '" + s + "' is not a number");
    }
    return Long.parseLong(s);
  }
}
