package dev.airlock.verify.notation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Notation's COSE envelope ({@code application/cose}): a COSE_Sign1 (CBOR tag 18 optional) of
 * {@code [protected bstr, unprotected map, payload bstr, signature bstr]}. The signature covers the
 * Sig_structure {@code ["Signature1", protected, h'', payload]}; ECDSA signatures are raw {@code r||s}.
 * Label 1 is the algorithm, 2 the crit list, 3 the content type, 33 the x5chain; times are tag-1 epoch
 * seconds.
 */
final class CoseEnvelope {
  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());
  private static final Map<Integer, String> ALGORITHMS = Map.of(-37, "PS256", -38, "PS384", -39, "PS512",
      -7, "ES256", -35, "ES384", -36, "ES512");
  private static final Set<String> PROTECTED = Set.of("1", "2", "3", JwsEnvelope.SIGNING_SCHEME,
      JwsEnvelope.SIGNING_TIME, JwsEnvelope.AUTHENTIC_SIGNING_TIME, JwsEnvelope.EXPIRY);

  private CoseEnvelope() {}

  static SignatureEnvelope parse(byte[] bytes) throws NotationCheckException {
    JsonNode sign1 = cbor(bytes, "the COSE envelope");
    if (!sign1.isArray() || sign1.size() != 4 || !sign1.get(0).isBinary() || !sign1.get(1).isObject()
        || !sign1.get(2).isBinary() || !sign1.get(3).isBinary()) {
      throw JwsEnvelope.bad("the COSE envelope is not a COSE_Sign1 [protected, unprotected, payload, signature]"
          + " with an attached payload");
    }
    byte[] protectedBytes = binary(sign1.get(0));
    byte[] payload = binary(sign1.get(2));
    byte[] signature = binary(sign1.get(3));
    JsonNode prot = cbor(protectedBytes, "the COSE protected header");
    if (!prot.isObject()) {
      throw JwsEnvelope.bad("the COSE protected header is not a map");
    }
    String alg = ALGORITHMS.get(prot.path("1").isInt() ? prot.path("1").asInt() : 0);
    if (alg == null) {
      throw JwsEnvelope.bad("COSE algorithm " + prot.path("1") + " is not supported (PS256/384/512, ES256/384/512)");
    }
    String cty = prot.path("3").asText("");
    if (!SignatureEnvelope.PAYLOAD_TYPE.equals(cty)) {
      throw JwsEnvelope.bad("payload content type '" + cty + "' is not " + SignatureEnvelope.PAYLOAD_TYPE);
    }
    Set<String> crit = new HashSet<>();
    for (JsonNode c : prot.path("2")) {
      if (!crit.add(c.asText()) || !PROTECTED.contains(c.asText()) || Set.of("1", "2", "3").contains(c.asText())) {
        throw JwsEnvelope.bad("critical header '" + c.asText() + "' is not supported");
      }
      if (!prot.has(c.asText())) {
        throw JwsEnvelope.bad("critical header '" + c.asText() + "' is listed in crit but absent");
      }
    }
    for (Iterator<String> it = prot.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.startsWith("io.cncf.notary.") && !PROTECTED.contains(f)) {
        throw JwsEnvelope.bad("protected header '" + f + "' is not a Notation signed attribute");
      }
    }
    String scheme = prot.path(JwsEnvelope.SIGNING_SCHEME).asText("");
    Instant signingTime = time(prot, JwsEnvelope.SIGNING_TIME);
    Instant authentic = time(prot, JwsEnvelope.AUTHENTIC_SIGNING_TIME);
    Instant expiry = time(prot, JwsEnvelope.EXPIRY);
    JwsEnvelope.checkAttributes(scheme, signingTime, authentic, expiry, crit.contains(JwsEnvelope.SIGNING_SCHEME),
        expiry == null || crit.contains(JwsEnvelope.EXPIRY), authentic == null || crit.contains(JwsEnvelope.AUTHENTIC_SIGNING_TIME));
    JsonNode unprot = sign1.get(1);
    for (Iterator<String> it = unprot.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("33", JwsEnvelope.SIGNING_AGENT, JwsEnvelope.TIMESTAMP).contains(f)) {
        throw JwsEnvelope.bad("unprotected header '" + f + "' is not allowed");
      }
    }
    JsonNode x5 = unprot.path("33");
    List<X509Certificate> chain = new ArrayList<>();
    if (x5.isBinary()) {
      chain.add(JwsEnvelope.certificate(binary(x5)));
    } else if (x5.isArray()) {
      for (JsonNode c : x5) {
        if (!c.isBinary()) {
          throw JwsEnvelope.bad("the COSE x5chain holds a value that is not a byte string");
        }
        chain.add(JwsEnvelope.certificate(binary(c)));
      }
    }
    if (chain.isEmpty()) {
      throw JwsEnvelope.bad("the COSE envelope has no x5chain certificate chain");
    }
    JsonNode ts = unprot.get(JwsEnvelope.TIMESTAMP);
    byte[] token = ts == null ? null : binary(ts);
    return new SignatureEnvelope(SignatureEnvelope.COSE, alg, cty, payload, sigStructure(protectedBytes, payload), signature,
        scheme, signingTime, authentic, expiry, List.copyOf(chain), unprot.path(JwsEnvelope.SIGNING_AGENT).asText(null), token);
  }

  /** {@code ["Signature1", protected, h'', payload]} in canonical CBOR. */
  static byte[] sigStructure(byte[] protectedBytes, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x84);
    byte[] context = "Signature1".getBytes(StandardCharsets.US_ASCII);
    head(out, 3, context.length);
    out.writeBytes(context);
    head(out, 2, protectedBytes.length);
    out.writeBytes(protectedBytes);
    head(out, 2, 0);
    head(out, 2, payload.length);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  private static void head(ByteArrayOutputStream out, int major, long n) {
    int mt = major << 5;
    if (n < 24) {
      out.write(mt | (int) n);
    } else if (n < 0x100) {
      out.write(mt | 24);
      out.write((int) n);
    } else if (n < 0x10000) {
      out.write(mt | 25);
      out.write((int) (n >> 8));
      out.write((int) n);
    } else {
      out.write(mt | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (n >> s));
      }
    }
  }

  private static Instant time(JsonNode prot, String name) throws NotationCheckException {
    JsonNode n = prot.get(name);
    if (n == null) {
      return null;
    }
    if (!n.isIntegralNumber()) {
      throw JwsEnvelope.bad(name + " is not a CBOR date (tag 1, epoch seconds)");
    }
    return Instant.ofEpochSecond(n.asLong());
  }

  private static JsonNode cbor(byte[] bytes, String what) throws NotationCheckException {
    try {
      JsonNode n = CBOR.readTree(bytes);
      if (n == null) {
        throw JwsEnvelope.bad(what + " is empty");
      }
      return n;
    } catch (IOException e) {
      throw JwsEnvelope.bad(what + " is not valid CBOR");
    }
  }

  private static byte[] binary(JsonNode n) throws NotationCheckException {
    try {
      return n.binaryValue();
    } catch (IOException e) {
      throw JwsEnvelope.bad("a COSE byte string cannot be read");
    }
  }
}
