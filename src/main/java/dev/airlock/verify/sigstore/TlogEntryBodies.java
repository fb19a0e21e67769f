package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks that a transparency log entry's body records what the bundle holds, for every entry kind cosign
 * and the Sigstore clients write, in airlock's own code:
 * <ul>
 *   <li>{@code hashedrekord} 0.0.1 (Rekor v1): the artifact's sha256 (hex), the signature, the certificate
 *       (base64 PEM);
 *   <li>{@code hashedrekord} 0.0.2 (Rekor v2): the same as raw bytes ({@code hashedRekordV002}), and for a
 *       DSSE bundle logged as a hashed record ("hashedrekord over DSSE") the digest is the sha256 of the
 *       envelope's PAE and the signature the envelope's;
 *   <li>{@code dsse} 0.0.1 and 0.0.2: the payload's sha256 and exactly the envelope's signatures, each with
 *       the certificate as verifier;
 *   <li>{@code intoto} 0.0.1: the payload's sha256 and the certificate; 0.0.2: the payload's sha256, the
 *       payload type and exactly the envelope's signatures (base64 twice, as Rekor stores them), each with
 *       the certificate.
 * </ul>
 * The envelope hash of {@code dsse} and {@code intoto} entries is over the JSON envelope exactly as it was
 * uploaded, which a bundle does not carry; it is not compared (every part it covers is).
 */
public final class TlogEntryBodies {
  private TlogEntryBodies() {}

  /** What a bundle's signature is about: a message signature over a digest, or a DSSE envelope. */
  public record Content(byte[] messageDigest, byte[] messageSignature, Dsse envelope, X509Certificate leaf) {
    boolean dsse() {
      return envelope != null;
    }
  }

  /**
   * The content of a Sigstore bundle: its DSSE envelope, or its message signature over {@code artifactSha256}
   * (the digest the caller verifies; the bundle's own messageDigest is not trusted for this).
   */
  public static Content content(JsonNode bundle, byte[] artifactSha256, X509Certificate leaf) {
    if (bundle.path("dsseEnvelope").isObject()) {
      return new Content(null, null, Dsse.fromJson(bundle.path("dsseEnvelope"), "Sigstore bundle"), leaf);
    }
    byte[] sig = b64(bundle.path("messageSignature").path("signature").asText(null), "the bundle's message signature");
    return new Content(artifactSha256, sig, null, leaf);
  }

  /** @throws VerificationException when the entry is of an unknown kind or records anything else */
  public static void check(String kind, String version, byte[] canonicalBody, Content c) {
    JsonNode body = Json.tree(canonicalBody, "the " + kind + " " + version + " log entry");
    if (!kind.equals(body.path("kind").asText()) || !version.equals(body.path("apiVersion").asText())) {
      throw new VerificationException("the log entry says it is " + kind + " " + version + " but its body is "
          + body.path("kind").asText("?") + " " + body.path("apiVersion").asText("?"));
    }
    JsonNode spec = body.path("spec");
    switch (kind + " " + version) {
      case "hashedrekord 0.0.1" -> hashedRekordV1(spec, c);
      case "hashedrekord 0.0.2" -> hashedRekordV2(spec.path("hashedRekordV002"), c);
      case "dsse 0.0.1" -> dsseV1(spec, c);
      case "dsse 0.0.2" -> dsseV2(spec.path("dsseV002"), c);
      case "intoto 0.0.1" -> intotoV1(spec, c);
      case "intoto 0.0.2" -> intotoV2(spec.path("content"), c);
      default -> throw new VerificationException("the log entry kind " + kind + " " + version + " is not one airlock"
          + " checks (hashedrekord 0.0.1/0.0.2, dsse 0.0.1/0.0.2, intoto 0.0.1/0.0.2)");
    }
  }

  private static void hashedRekordV1(JsonNode spec, Content c) {
    JsonNode hash = spec.path("data").path("hash");
    if (!"sha256".equals(hash.path("algorithm").asText())) {
      throw new VerificationException("the hashedrekord entry's hash is " + hash.path("algorithm").asText("missing")
          + ", not sha256");
    }
    byte[] logged = hex(hash.path("value").asText(""), "the hashedrekord entry's hash");
    hashedRekord(logged, b64(spec.path("signature").path("content").asText(null), "the hashedrekord entry's signature"),
        c, "hashedrekord 0.0.1");
    certificate(pemCert(spec.path("signature").path("publicKey").path("content").asText(null)), c, "hashedrekord 0.0.1");
  }

  private static void hashedRekordV2(JsonNode spec, Content c) {
    if (!spec.isObject()) {
      throw new VerificationException("the hashedrekord 0.0.2 entry has no hashedRekordV002");
    }
    JsonNode data = spec.path("data");
    String alg = data.path("algorithm").asText("SHA2_256");
    if (!"SHA2_256".equals(alg)) {
      throw new VerificationException("the hashedrekord 0.0.2 entry's digest is " + alg + ", not SHA2_256");
    }
    hashedRekord(b64(data.path("digest").asText(null), "the hashedrekord 0.0.2 entry's digest"),
        b64(spec.path("signature").path("content").asText(null), "the hashedrekord 0.0.2 entry's signature"), c,
        "hashedrekord 0.0.2");
    verifier(spec.path("signature").path("verifier"), c, "hashedrekord 0.0.2");
  }

  /** A hashed record is about the artifact digest and message signature, or about a DSSE envelope's PAE. */
  private static void hashedRekord(byte[] loggedDigest, byte[] loggedSig, Content c, String what) {
    byte[] digest;
    List<byte[]> sigs = new ArrayList<>();
    if (c.dsse()) {
      digest = sha256(c.envelope().pae());
      c.envelope().signatures().forEach(s -> sigs.add(s.sig()));
      if (sigs.size() != 1) {
        throw new VerificationException("a " + what + " entry records one signature, the envelope has " + sigs.size());
      }
    } else {
      digest = c.messageDigest();
      sigs.add(c.messageSignature());
    }
    if (!MessageDigest.isEqual(loggedDigest, digest)) {
      throw new VerificationException("the " + what + " log entry records the digest " + HexFormat.of().formatHex(loggedDigest)
          + ", not " + (c.dsse() ? "the envelope's PAE's " : "the artifact's ") + HexFormat.of().formatHex(digest));
    }
    if (!MessageDigest.isEqual(loggedSig, sigs.get(0))) {
      throw new VerificationException("the " + what + " log entry records another signature than the bundle's");
    }
  }

  private static void dsseV1(JsonNode spec, Content c) {
    Dsse env = envelope(c, "dsse 0.0.1");
    payloadHashHex(spec.path("payloadHash"), env, "dsse 0.0.1");
    List<byte[]> logged = new ArrayList<>();
    for (JsonNode s : spec.path("signatures")) {
      logged.add(b64(s.path("signature").asText(null), "a dsse 0.0.1 entry signature"));
      certificate(pemCert(s.path("verifier").asText(null)), c, "dsse 0.0.1");
    }
    sameSignatures(logged, env, "dsse 0.0.1");
  }

  private static void dsseV2(JsonNode spec, Content c) {
    Dsse env = envelope(c, "dsse 0.0.2");
    if (!spec.isObject()) {
      throw new VerificationException("the dsse 0.0.2 entry has no dsseV002");
    }
    JsonNode ph = spec.path("payloadHash");
    if (!"SHA2_256".equals(ph.path("algorithm").asText("SHA2_256"))
        || !MessageDigest.isEqual(b64(ph.path("digest").asText(null), "the dsse 0.0.2 payload hash"), sha256(env.payload()))) {
      throw new VerificationException("the dsse 0.0.2 log entry records another payload than the envelope's");
    }
    List<byte[]> logged = new ArrayList<>();
    for (JsonNode s : spec.path("signatures")) {
      logged.add(b64(s.path("content").asText(null), "a dsse 0.0.2 entry signature"));
      verifier(s.path("verifier"), c, "dsse 0.0.2");
    }
    sameSignatures(logged, env, "dsse 0.0.2");
  }

  private static void intotoV1(JsonNode spec, Content c) {
    Dsse env = envelope(c, "intoto 0.0.1");
    payloadHashHex(spec.path("content").path("payloadHash"), env, "intoto 0.0.1");
    certificate(pemCert(spec.path("publicKey").asText(null)), c, "intoto 0.0.1");
  }

  private static void intotoV2(JsonNode content, Content c) {
    Dsse env = envelope(c, "intoto 0.0.2");
    payloadHashHex(content.path("payloadHash"), env, "intoto 0.0.2");
    JsonNode e = content.path("envelope");
    if (!env.payloadType().equals(e.path("payloadType").asText(null))) {
      throw new VerificationException("the intoto 0.0.2 log entry records the payload type "
          + e.path("payloadType").asText("none") + ", not " + env.payloadType());
    }
    if (e.hasNonNull("payload")) {
      byte[] once = b64(e.path("payload").asText(), "the intoto 0.0.2 entry payload");
      if (!MessageDigest.isEqual(b64(new String(once, StandardCharsets.US_ASCII), "the intoto 0.0.2 entry payload"),
          env.payload())) {
        throw new VerificationException("the intoto 0.0.2 log entry records another payload than the envelope's");
      }
    }
    List<byte[]> logged = new ArrayList<>();
    for (JsonNode s : e.path("signatures")) {
      byte[] once = b64(s.path("sig").asText(null), "an intoto 0.0.2 entry signature");
      logged.add(b64(new String(once, StandardCharsets.US_ASCII), "an intoto 0.0.2 entry signature"));
      certificate(pemCert(s.path("publicKey").asText(null)), c, "intoto 0.0.2");
    }
    sameSignatures(logged, env, "intoto 0.0.2");
  }

  private static Dsse envelope(Content c, String what) {
    if (!c.dsse()) {
      throw new VerificationException("a " + what + " log entry is for a DSSE envelope, the bundle holds a message signature");
    }
    return c.envelope();
  }

  private static void payloadHashHex(JsonNode ph, Dsse env, String what) {
    if (!"sha256".equals(ph.path("algorithm").asText())
        || !MessageDigest.isEqual(hex(ph.path("value").asText(""), "the " + what + " payload hash"), sha256(env.payload()))) {
      throw new VerificationException("the " + what + " log entry records another payload than the envelope's");
    }
  }

  /** The logged signatures must be exactly the envelope's (as a set; each logged once). */
  private static void sameSignatures(List<byte[]> logged, Dsse env, String what) {
    List<byte[]> mine = new ArrayList<>();
    env.signatures().forEach(s -> mine.add(s.sig()));
    boolean same = logged.size() == mine.size();
    for (int i = 0; same && i < logged.size(); i++) {
      byte[] l = logged.get(i);
      same = mine.stream().anyMatch(m -> MessageDigest.isEqual(m, l));
    }
    if (!same) {
      throw new VerificationException("the " + what + " log entry records other signatures than the envelope's ("
          + logged.size() + " logged, " + mine.size() + " in the envelope)");
    }
  }

  /** A Rekor v2 verifier: the certificate (DER) or, for a keyed entry, the public key (PKIX DER). */
  private static void verifier(JsonNode v, Content c, String what) {
    String cert = v.path("x509Certificate").path("rawBytes").asText(null);
    if (cert == null) {
      throw new VerificationException("the " + what + " log entry names no certificate as verifier");
    }
    certificate(derOrPem(b64(cert, "the " + what + " entry certificate")), c, what);
  }

  private static void certificate(X509Certificate logged, Content c, String what) {
    if (c.leaf() == null || !logged.equals(c.leaf())) {
      throw new VerificationException("the " + what + " log entry records another certificate than the bundle's");
    }
  }

  private static X509Certificate pemCert(String b64Pem) {
    return derOrPem(b64(b64Pem, "the log entry's certificate"));
  }

  private static X509Certificate derOrPem(byte[] bytes) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes));
    } catch (CertificateException | ClassCastException e) {
      throw new VerificationException("the log entry records no readable certificate");
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] b64(String s, String what) {
    if (s == null) {
      throw new VerificationException(what + " is missing");
    }
    try {
      return Base64.getDecoder().decode(s.trim());
    } catch (IllegalArgumentException e) {
      throw new VerificationException(what + " is not base64");
    }
  }

  private static byte[] hex(String s, String what) {
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(what + " is not hex");
    }
  }
}
