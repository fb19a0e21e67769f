package dev.airlock.verify.notation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads Notation's JWS envelope ({@code application/jose+json}): the flattened JSON serialization
 * {@code {payload, protected, header, signature}} with base64url fields; the signed bytes are the ASCII
 * {@code protected.payload}. Times in the protected header are RFC 3339.
 */
final class JwsEnvelope {
  private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Set<String> ALGORITHMS = Set.of("PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
  static final String SIGNING_SCHEME = "io.cncf.notary.signingScheme";
  static final String SIGNING_TIME = "io.cncf.notary.signingTime";
  static final String AUTHENTIC_SIGNING_TIME = "io.cncf.notary.authenticSigningTime";
  static final String EXPIRY = "io.cncf.notary.expiry";
  static final String SIGNING_AGENT = "io.cncf.notary.signingAgent";
  static final String TIMESTAMP = "io.cncf.notary.timestampSignature";
  private static final Set<String> PROTECTED = Set.of("alg", "cty", "crit", SIGNING_SCHEME, SIGNING_TIME,
      AUTHENTIC_SIGNING_TIME, EXPIRY);

  private JwsEnvelope() {}

  static SignatureEnvelope parse(byte[] bytes) throws NotationCheckException {
    JsonNode env = json(bytes, "the JWS envelope");
    for (Iterator<String> it = env.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("payload", "protected", "header", "signature").contains(f)) {
        throw bad("the JWS envelope has an unexpected member '" + f + "' (flattened serialization expected)");
      }
    }
    String protectedB64 = text(env, "protected");
    String payloadB64 = text(env, "payload");
    byte[] signature = b64url(text(env, "signature"), "signature");
    byte[] payload = b64url(payloadB64, "payload");
    JsonNode prot = json(b64url(protectedB64, "protected header"), "the JWS protected header");
    String alg = prot.path("alg").asText("");
    if (!ALGORITHMS.contains(alg)) {
      throw bad("JWS algorithm '" + alg + "' is not supported (PS256/384/512, ES256/384/512)");
    }
    String cty = prot.path("cty").asText("");
    if (!SignatureEnvelope.PAYLOAD_TYPE.equals(cty)) {
      throw bad("payload content type '" + cty + "' is not " + SignatureEnvelope.PAYLOAD_TYPE);
    }
    String scheme = prot.path(SIGNING_SCHEME).asText("");
    Instant signingTime = time(prot, SIGNING_TIME);
    Instant authentic = time(prot, AUTHENTIC_SIGNING_TIME);
    Instant expiry = time(prot, EXPIRY);
    Set<String> crit = new HashSet<>();
    if (!prot.path("crit").isArray()) {
      throw bad("the JWS protected header has no crit list");
    }
    for (JsonNode c : prot.path("crit")) {
      if (!c.isTextual() || !crit.add(c.asText())) {
        throw bad("the JWS crit list is not a list of distinct names");
      }
      if (!PROTECTED.contains(c.asText()) || Set.of("alg", "cty", "crit").contains(c.asText())) {
        throw bad("critical header '" + c.asText() + "' is not supported");
      }
      if (!prot.has(c.asText())) {
        throw bad("critical header '" + c.asText() + "' is listed in crit but absent");
      }
    }
    for (Iterator<String> it = prot.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.startsWith("io.cncf.notary.") && !PROTECTED.contains(f)) {
        throw bad("protected header '" + f + "' is not a Notation signed attribute");
      }
    }
    checkAttributes(scheme, signingTime, authentic, expiry, crit.contains(SIGNING_SCHEME),
        expiry == null || crit.contains(EXPIRY), authentic == null || crit.contains(AUTHENTIC_SIGNING_TIME));
    JsonNode header = env.path("header");
    if (!header.isObject()) {
      throw bad("the JWS envelope has no unprotected header");
    }
    for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("x5c", SIGNING_AGENT, TIMESTAMP).contains(f)) {
        throw bad("unprotected header '" + f + "' is not allowed");
      }
    }
    List<X509Certificate> chain = new ArrayList<>();
    if (!header.path("x5c").isArray() || header.path("x5c").isEmpty()) {
      throw bad("the JWS envelope has no x5c certificate chain");
    }
    for (JsonNode c : header.path("x5c")) {
      chain.add(certificate(b64std(c.asText(""), "x5c certificate")));
    }
    byte[] token = header.has(TIMESTAMP) ? b64std(header.path(TIMESTAMP).asText(""), "timestamp signature") : null;
    byte[] signed = (protectedB64 + "." + payloadB64).getBytes(StandardCharsets.US_ASCII);
    return new SignatureEnvelope(SignatureEnvelope.JWS, alg, cty, payload, signed, signature, scheme, signingTime,
        authentic, expiry, List.copyOf(chain), header.path(SIGNING_AGENT).asText(null), token);
  }

  /** The signed-attribute rules both envelopes share (signature-specification.md, "Signed attributes"). */
  static void checkAttributes(String scheme, Instant signingTime, Instant authentic, Instant expiry, boolean schemeCritical,
      boolean expiryCritical, boolean authenticCritical) throws NotationCheckException {
    if (!scheme.equals(SignatureEnvelope.SCHEME_X509) && !scheme.equals(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY)) {
      throw bad("signing scheme '" + scheme + "' is not supported (notary.x509 or notary.x509.signingAuthority)");
    }
    if (!schemeCritical || !expiryCritical || !authenticCritical) {
      throw bad("the signing scheme, expiry and authentic signing time attributes must be marked critical");
    }
    if (scheme.equals(SignatureEnvelope.SCHEME_X509)) {
      if (signingTime == null) {
        throw bad("the notary.x509 scheme requires the signingTime attribute");
      }
      if (authentic != null) {
        throw bad("authenticSigningTime belongs to the notary.x509.signingAuthority scheme, not notary.x509");
      }
    } else if (authentic == null) {
      throw bad("the notary.x509.signingAuthority scheme requires the authenticSigningTime attribute");
    }
    Instant signed = authentic != null ? authentic : signingTime;
    if (expiry != null && signed != null && !expiry.isAfter(signed)) {
      throw bad("the expiry " + expiry + " is not after the signing time " + signed);
    }
  }

  private static Instant time(JsonNode prot, String name) throws NotationCheckException {
    JsonNode n = prot.get(name);
    if (n == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(n.asText("")).toInstant();
    } catch (DateTimeParseException e) {
      throw bad(name + " '" + n.asText() + "' is not an RFC 3339 time");
    }
  }

  static X509Certificate certificate(byte[] der) throws NotationCheckException {
    try {
      List<X509Certificate> c = TrustStore.parseCertificates(der, "certificate");
      if (c.size() != 1) {
        throw bad("a chain entry holds " + c.size() + " certificates");
      }
      return c.get(0);
    } catch (RuntimeException e) {
      throw bad("a certificate of the chain cannot be read: " + e.getMessage());
    }
  }

  private static JsonNode json(byte[] bytes, String what) throws NotationCheckException {
    try {
      JsonNode n = STRICT.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw bad(what + " is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw bad(what + " is not valid JSON");
    }
  }

  private static String text(JsonNode n, String field) throws NotationCheckException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw bad("the JWS envelope has no " + field);
    }
    return v.asText();
  }

  private static byte[] b64url(String s, String what) throws NotationCheckException {
    if (s.contains("=")) {
      throw bad("the JWS " + what + " is padded base64url (unpadded expected)");
    }
    try {
      return Base64.getUrlDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw bad("the JWS " + what + " is not base64url");
    }
  }

  private static byte[] b64std(String s, String what) throws NotationCheckException {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw bad("the " + what + " is not base64");
    }
  }

  static NotationCheckException bad(String message) {
    return new NotationCheckException(Check.INTEGRITY, message);
  }
}
