package dev.airlock.verify.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.sigstore.CertificateIdentity;
import dev.airlock.verify.sigstore.TlogEntryBodies;
import dev.airlock.verify.sigstore.TrustRoot;
import dev.sigstore.trustroot.TransparencyLog;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Cosign's legacy signature format: a simple-signing payload layer of a {@code sha256-<hex>.sig} manifest
 * with the signature in the annotation {@code dev.cosignproject.cosign/signature}; keyed, or keyless with
 * the Fulcio certificate (annotations {@code dev.sigstore.cosign/certificate}, {@code .../chain}) and the
 * Rekor bundle ({@code dev.sigstore.cosign/bundle}: SignedEntryTimestamp over the log entry, whose body
 * must record this payload's hash, this signature and this certificate).
 */
public final class CosignSignatureVerifier {
  private CosignSignatureVerifier() {}

  public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
  public static final String CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
  public static final String CHAIN_ANNOTATION = "dev.sigstore.cosign/chain";
  public static final String BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";

  private static final JsonMapper CANONICAL = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  /** The payload must name {@code image} as its docker-manifest-digest. */
  public static void checkPayload(byte[] payload, Digest image) {
    JsonNode n = Json.tree(payload, "simple-signing payload");
    String d = n.path("critical").path("image").path("docker-manifest-digest").asText(null);
    if (!image.toString().equals(d)) {
      throw new VerificationException("the signed payload names " + d + ", not " + image);
    }
  }

  public static void verifyKeyed(byte[] payload, String signatureB64, Digest image, List<PublicKey> keys) {
    byte[] sig = decode(signatureB64, "signature annotation");
    if (keys.stream().noneMatch(k -> PublicKeys.verify(k, payload, sig))) {
      throw new VerificationException("the signature does not verify with any of the " + keys.size() + " key(s)");
    }
    checkPayload(payload, image);
  }

  public static void verifyKeyless(byte[] payload, Map<String, String> annotations, Digest image, TrustRoot root,
      CertificateIdentity identity) {
    byte[] sig = decode(annotations.get(SIGNATURE_ANNOTATION), "signature annotation");
    verifyCertified(annotations, root, identity, (body, bodyBytes, leaf) -> {
      if (!"hashedrekord".equals(body.path("kind").asText()) || !"0.0.1".equals(body.path("apiVersion").asText())) {
        throw new VerificationException("the Rekor entry is " + body.path("kind").asText() + " "
            + body.path("apiVersion").asText() + ", not the hashedrekord 0.0.1 entry of a cosign signature");
      }
      String hash = body.path("spec").path("data").path("hash").path("value").asText();
      if (!Digest.sha256(payload).hex().equals(hash)) {
        throw new VerificationException("the Rekor entry is not about this payload");
      }
      JsonNode logged = body.path("spec").path("signature");
      if (!Arrays.equals(decode(logged.path("content").asText(null), "Rekor entry signature"), sig)) {
        throw new VerificationException("the Rekor entry records another signature");
      }
      sameCertificate(logged.path("publicKey").path("content").asText(null), leaf);
    }, key -> PublicKeys.verify(key, payload, sig));
    checkPayload(payload, image);
  }

  /**
   * A keyless cosign {@code .att} layer: {@code envelope} is the DSSE envelope exactly as stored. cosign
   * uploads it to Rekor as an {@code intoto} 0.0.1 entry (whose body records the sha256 of this exact
   * envelope, hence of its signatures, the sha256 of the payload, and the certificate); newer clients
   * write {@code intoto} 0.0.2 or {@code dsse} 0.0.1 entries, checked as {@link TlogEntryBodies} says. The
   * certificate's key must verify a signature over PAE(payloadType, payload). Returns the verified envelope.
   */
  public static Dsse verifyKeylessAttestation(byte[] envelope, Map<String, String> annotations, TrustRoot root,
      CertificateIdentity identity) {
    Dsse env = Dsse.fromJson(Json.tree(envelope, "attestation envelope"), "attestation envelope");
    verifyCertified(annotations, root, identity, (body, bodyBytes, leaf) -> {
      String kind = body.path("kind").asText();
      String version = body.path("apiVersion").asText();
      if ("intoto".equals(kind) && "0.0.1".equals(version)) {
        JsonNode content = body.path("spec").path("content");
        if (!Digest.sha256(envelope).hex().equals(content.path("hash").path("value").asText())
            || !Digest.sha256(env.payload()).hex().equals(content.path("payloadHash").path("value").asText())) {
          throw new VerificationException("the Rekor entry is not about this attestation envelope");
        }
        sameCertificate(body.path("spec").path("publicKey").asText(null), leaf);
      } else if ("intoto 0.0.2".equals(kind + " " + version) || "dsse 0.0.1".equals(kind + " " + version)) {
        TlogEntryBodies.check(kind, version, bodyBytes, new TlogEntryBodies.Content(null, null, env, leaf));
      } else {
        throw new VerificationException("the Rekor entry is " + kind + " " + version
            + ", not an attestation entry (intoto 0.0.1 or 0.0.2, dsse 0.0.1)");
      }
    }, env::verifiedBy);
    return env;
  }

  /** Checks a Rekor entry body ({@code body} parsed from {@code bodyBytes}) for what it must record, with {@code leaf}. */
  private interface LoggedEntryCheck {
    void check(JsonNode body, byte[] bodyBytes, X509Certificate leaf);
  }

  /** The certificate a Rekor entry logs (base64 of its PEM) must be {@code leaf}. */
  private static void sameCertificate(String loggedB64Pem, X509Certificate leaf) {
    byte[] loggedCert = decode(loggedB64Pem, "Rekor entry certificate");
    java.security.cert.Certificate c;
    try {
      c = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(loggedCert));
    } catch (java.security.cert.CertificateException e) {
      throw new VerificationException("the Rekor entry does not record a certificate");
    }
    if (!c.equals(leaf)) {
      throw new VerificationException("the Rekor entry records another certificate");
    }
  }

  /**
   * The keyless machinery shared by signatures and attestations: the SignedEntryTimestamp with the trusted
   * Rekor key, the entry body ({@code entryCheck}) and its certificate equal to the annotation's, the chain
   * to a trusted Fulcio CA at the integrated time, the identity, and finally {@code signedBy(leafKey)}.
   */
  private static void verifyCertified(Map<String, String> annotations, TrustRoot root, CertificateIdentity identity,
      LoggedEntryCheck entryCheck, Predicate<PublicKey> signedBy) {
    String certPem = annotations.get(CERTIFICATE_ANNOTATION);
    String rekorBundle = annotations.get(BUNDLE_ANNOTATION);
    if (certPem == null || rekorBundle == null) {
      throw new VerificationException("no certificate or Rekor bundle annotation (not a keyless signature)");
    }
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      X509Certificate leaf = (X509Certificate) cf.generateCertificate(
          new ByteArrayInputStream(certPem.getBytes(StandardCharsets.UTF_8)));
      JsonNode set = Json.tree(rekorBundle.getBytes(StandardCharsets.UTF_8), "Rekor bundle annotation");
      JsonNode p = set.path("Payload");
      Instant integrated = Instant.ofEpochSecond(p.path("integratedTime").asLong());
      dev.airlock.verify.sigstore.TlogEntryRules.checkTime(integrated, null, p.path("logID").asText(), leaf, Instant.now());
      // 1. the Rekor SignedEntryTimestamp, with the Rekor key from the trusted root
      byte[] logId = HexFormat.of().parseHex(p.path("logID").asText());
      TransparencyLog tlog = TransparencyLog.find(root.sigstore().getTLogs(), logId, integrated)
          .orElseThrow(() -> new VerificationException("the Rekor log " + p.path("logID").asText() + " is not in the trusted root"));
      Map<String, Object> entry = new TreeMap<>();
      entry.put("body", p.path("body").asText());
      entry.put("integratedTime", p.path("integratedTime").asLong());
      entry.put("logID", p.path("logID").asText());
      entry.put("logIndex", p.path("logIndex").asLong());
      byte[] canonical = CANONICAL.writeValueAsBytes(entry);
      byte[] setSig = decode(set.path("SignedEntryTimestamp").asText(), "SignedEntryTimestamp");
      if (!PublicKeys.verify(tlog.getPublicKey().toJavaPublicKey(), canonical, setSig)) {
        throw new VerificationException("the Rekor SignedEntryTimestamp does not verify with the trusted Rekor key");
      }
      // 2. the log entry is about this payload and signature, and this certificate
      byte[] bodyBytes = decode(p.path("body").asText(), "Rekor entry body");
      entryCheck.check(Json.tree(bodyBytes, "Rekor entry body"), bodyBytes, leaf);
      // 3. the certificate chains to a Fulcio CA at the time the entry was logged, and names the identity
      dev.airlock.verify.sigstore.FulcioChain.verify(leaf, root, integrated);
      if (!identity.matcher().test(leaf)) {
        throw new VerificationException("the certificate does not name " + identity);
      }
      if (!signedBy.test(leaf.getPublicKey())) {
        throw new VerificationException("the signature does not verify with the certificate's key");
      }
    } catch (VerificationException e) {
      throw e;
    } catch (Exception e) {
      throw new VerificationException("keyless signature cannot be checked: " + Json.firstLine(e.getMessage()));
    }
  }

  private static byte[] decode(String b64, String what) {
    if (b64 == null) {
      throw new VerificationException("no " + what);
    }
    try {
      return Base64.getDecoder().decode(b64.trim());
    } catch (IllegalArgumentException e) {
      throw new VerificationException(what + " is not base64");
    }
  }
}
