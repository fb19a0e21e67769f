package dev.airlock.sitesign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Why the site admitted an image: the bundle it came in (its name, root index digest and file name) and the
 * verification that passed before it was imported (the bundle signer's keys the import trusted, the policy file
 * by digest, the verification's summary), at which target and when. Carried as the predicate of the site
 * signature's in-toto statement, so the signature itself says which bundle and which check admitted the image.
 *
 * @param trustedKeys key ids (hex sha256 of the PKIX public key) of the keys the bundle signature was checked with
 * @param policy sha256 of the policy file, or null when none was given
 */
public record Admission(String bundleName, Digest bundleRoot, String bundleFile, boolean bundleSignatureVerified,
    List<String> trustedKeys, Digest policy, String verification, String target, Instant admitted, String tool) {

  public Admission {
    trustedKeys = List.copyOf(trustedKeys);
  }

  /** The predicate object (see docs/verification.md, "Site signatures"). */
  public ObjectNode toJson() {
    ObjectNode p = Json.MAPPER.createObjectNode();
    ObjectNode a = p.putObject(SiteSignature.PREDICATE_KEY);
    ObjectNode b = a.putObject("bundle");
    b.put("name", bundleName);
    b.put("root", bundleRoot.toString());
    if (bundleFile != null) {
      b.put("file", bundleFile);
    }
    ObjectNode v = a.putObject("verification");
    v.put("bundleSignature", bundleSignatureVerified ? "verified" : "unsigned (allowed)");
    var keys = v.putArray("trustedKeys");
    trustedKeys.forEach(keys::add);
    if (policy != null) {
      v.put("policy", policy.toString());
    }
    v.put("summary", verification);
    a.put("target", target);
    a.put("admitted", DateTimeFormatter.ISO_INSTANT.format(admitted.truncatedTo(ChronoUnit.SECONDS)));
    a.put("tool", tool);
    return p;
  }

  /** The admission a verified predicate records, or null when it records none. */
  public static Admission fromPredicate(JsonNode predicate) {
    JsonNode a = predicate == null ? null : predicate.path(SiteSignature.PREDICATE_KEY);
    if (a == null || !a.isObject()) {
      return null;
    }
    JsonNode b = a.path("bundle");
    JsonNode v = a.path("verification");
    String root = b.path("root").asText("");
    List<String> keys = new java.util.ArrayList<>();
    v.path("trustedKeys").forEach(k -> keys.add(k.asText()));
    Instant when;
    try {
      when = Instant.parse(a.path("admitted").asText());
    } catch (RuntimeException e) {
      when = Instant.EPOCH;
    }
    return new Admission(b.path("name").asText(""), Digest.isValid(root) ? Digest.parse(root) : null,
        b.path("file").asText(null), "verified".equals(v.path("bundleSignature").asText()), keys,
        Digest.isValid(v.path("policy").asText("")) ? Digest.parse(v.path("policy").asText()) : null,
        v.path("summary").asText(""), a.path("target").asText(""), when, a.path("tool").asText(""));
  }

  /** One line: bundle, root, when, how. */
  public String describe() {
    return "bundle " + bundleName + " (root " + (bundleRoot == null ? "?" : bundleRoot.shortForm()) + ") admitted "
        + DateTimeFormatter.ISO_INSTANT.format(admitted.truncatedTo(ChronoUnit.SECONDS)) + " into " + target + ": "
        + (bundleSignatureVerified ? "bundle signature verified" : "unsigned bundle allowed")
        + (policy == null ? "" : ", policy " + policy.shortForm());
  }
}
