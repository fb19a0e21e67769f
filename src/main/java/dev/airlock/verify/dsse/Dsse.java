package dev.airlock.verify.dsse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import dev.airlock.verify.keys.PublicKeys;

/**
 * A DSSE envelope (payload type, payload, signatures) and its pre-authentication encoding, per the DSSE
 * v1 protocol: {@code PAE = "DSSEv1" SP len(type) SP type SP len(body) SP body}.
 */
public record Dsse(String payloadType, byte[] payload, List<Signature> signatures) {
  public record Signature(String keyid, byte[] sig) {}

  public Dsse {
    signatures = List.copyOf(signatures);
  }

  public static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  public byte[] pae() {
    return pae(payloadType, payload);
  }

  /** True when one of the signatures verifies with {@code key}. */
  public boolean verifiedBy(PublicKey key) {
    byte[] pae = pae();
    for (Signature s : signatures) {
      if (PublicKeys.verify(key, pae, s.sig())) {
        return true;
      }
    }
    return false;
  }

  /** The envelope as a JSON object (payload and sig base64), as in the DSSE spec and Sigstore bundles. */
  public ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("payload", Base64.getEncoder().encodeToString(payload));
    n.put("payloadType", payloadType);
    ArrayNode sigs = n.putArray("signatures");
    for (Signature s : signatures) {
      ObjectNode o = sigs.addObject();
      o.put("sig", Base64.getEncoder().encodeToString(s.sig()));
      if (s.keyid() != null && !s.keyid().isEmpty()) {
        o.put("keyid", s.keyid());
      }
    }
    return n;
  }

  public static Dsse fromJson(JsonNode n, String what) {
    if (!n.path("payloadType").isTextual() || !n.path("payload").isTextual() || !n.path("signatures").isArray()) {
      throw new InvalidInputException(what + " is not a DSSE envelope (payloadType, payload, signatures)");
    }
    List<Signature> sigs = new ArrayList<>();
    try {
      for (JsonNode s : n.path("signatures")) {
        sigs.add(new Signature(s.path("keyid").asText(""), Base64.getDecoder().decode(s.path("sig").asText(""))));
      }
      return new Dsse(n.path("payloadType").asText(), Base64.getDecoder().decode(n.path("payload").asText()), sigs);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(what + ": DSSE payload or signature is not base64");
    }
  }
}
