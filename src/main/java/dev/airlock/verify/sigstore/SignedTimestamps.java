package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Json;
import dev.sigstore.timestamp.client.ImmutableTimestampResponse;
import dev.sigstore.timestamp.client.TimestampVerifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The RFC 3161 signed timestamps of a Sigstore bundle ({@code verificationMaterial.timestampVerificationData
 * .rfc3161Timestamps}), each verified against the trusted root's timestamp authorities: the token's CMS
 * signature by a TSA of the root, its chain valid at the token's time, and its message imprint over the
 * bundle's signature bytes (the message signature, or the DSSE envelope's one signature). A token that
 * does not verify makes the whole bundle fail, as the Sigstore clients do: it is never silently ignored.
 */
final class SignedTimestamps {
  private SignedTimestamps() {}

  /** The verified times of every timestamp the bundle carries (empty when it carries none). */
  static List<Instant> verified(JsonNode bundle, TrustRoot root) {
    JsonNode stamps = bundle.path("verificationMaterial").path("timestampVerificationData").path("rfc3161Timestamps");
    List<Instant> times = new ArrayList<>();
    if (!stamps.isArray() || stamps.isEmpty()) {
      return times;
    }
    byte[] signature = signature(bundle);
    TimestampVerifier verifier;
    try {
      verifier = TimestampVerifier.newTimestampVerifier(root.sigstore());
    } catch (Exception e) {
      throw new VerificationException("the timestamp authorities of " + root.source() + " cannot be read: "
          + Json.firstLine(e.getMessage()));
    }
    int i = 0;
    for (JsonNode s : stamps) {
      i++;
      String b64 = s.path("signedTimestamp").asText("");
      if (b64.isEmpty()) {
        throw new VerificationException("signed timestamp " + i + " of the bundle is empty");
      }
      try {
        ImmutableTimestampResponse response = ImmutableTimestampResponse.builder()
            .encoded(Base64.getDecoder().decode(b64)).build();
        verifier.verify(response, signature);
        times.add(response.getGenTime().toInstant());
      } catch (Exception e) {
        throw new VerificationException("signed timestamp " + i + " of the bundle does not verify against the timestamp"
            + " authorities of " + root.source() + ": " + Json.firstLine(e.getMessage()));
      }
    }
    return times;
  }

  /** The signature bytes a bundle's timestamps are over. */
  private static byte[] signature(JsonNode bundle) {
    String b64 = bundle.path("messageSignature").isObject()
        ? bundle.path("messageSignature").path("signature").asText("")
        : bundle.path("dsseEnvelope").path("signatures").path(0).path("sig").asText("");
    try {
      byte[] sig = Base64.getDecoder().decode(b64);
      if (sig.length == 0) {
        throw new VerificationException("the bundle's signature, which its timestamps are over, is missing");
      }
      return sig;
    } catch (IllegalArgumentException e) {
      throw new VerificationException("the bundle's signature is not base64");
    }
  }
}
