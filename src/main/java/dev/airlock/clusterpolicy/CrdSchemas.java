package dev.airlock.clusterpolicy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The emitted objects checked against JSON Schemas written from the published CRDs (one file per kind under
 * {@code dev/airlock/clusterpolicy/crd/}, each citing the upstream file and commit it was written from). The
 * checker is small on purpose: it knows exactly the keywords those files use ({@code type}, {@code properties},
 * {@code additionalProperties}, {@code required}, {@code items}, {@code enum}, {@code pattern},
 * {@code maxLength}, {@code minimum}) and refuses a schema with any other, so no keyword is silently skipped. An
 * object field the schema does not name is an error: the API server would prune it, and a verifier field lost
 * that way would weaken the cluster's check.
 */
final class CrdSchemas {
  private static final Set<String> KEYWORDS = Set.of("$comment", "type", "properties", "additionalProperties", "required",
      "items", "enum", "pattern", "maxLength", "minimum");
  private static final Map<String, String> BY_KIND = Map.of(
      "ClusterPolicy", "kyverno.io-policy.json",
      "Policy", "kyverno.io-policy.json",
      "ClusterImagePolicy", "policy.sigstore.dev-clusterimagepolicy.json",
      "TrustRoot", "policy.sigstore.dev-trustroot.json",
      "OCIRepository", "source.toolkit.fluxcd.io-ocirepository.json",
      "ConfigMap", "v1-configmap-secret.json",
      "Secret", "v1-configmap-secret.json");

  private CrdSchemas() {}

  /** Checks every document of {@code file}; the first violation is a one-line error naming the document and path. */
  static void check(Path file, List<JsonNode> docs) {
    for (int i = 0; i < docs.size(); i++) {
      JsonNode d = docs.get(i);
      String kind = d.path("kind").asText("");
      String name = BY_KIND.get(kind);
      if (name == null) {
        throw new InvalidInputException(file + ": document " + (i + 1) + " is a " + kind + ", which has no CRD schema here");
      }
      String problem = violation(schema(name), d, "");
      if (problem != null) {
        throw new InvalidInputException(file + ": " + kind + " " + d.path("metadata").path("name").asText("") + " does not"
            + " match its CRD schema (" + name + "): " + problem);
      }
    }
  }

  static JsonNode schema(String name) {
    try (InputStream in = CrdSchemas.class.getResourceAsStream("crd/" + name)) {
      if (in == null) {
        throw new IllegalStateException("schema " + name + " is missing from the jar");
      }
      JsonNode s = dev.airlock.oci.Json.tree(in.readAllBytes(), "schema " + name);
      requireKnownKeywords(s, name, "");
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void requireKnownKeywords(JsonNode s, String name, String at) {
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYWORDS.contains(k)) {
        throw new IllegalStateException("schema " + name + " uses '" + k + "' at " + at + ", which the checker does not know");
      }
    }
    s.path("properties").fields().forEachRemaining(e -> requireKnownKeywords(e.getValue(), name, at + "/" + e.getKey()));
    if (s.path("items").isObject()) {
      requireKnownKeywords(s.get("items"), name, at + "/items");
    }
    if (s.path("additionalProperties").isObject()) {
      requireKnownKeywords(s.get("additionalProperties"), name, at + "/*");
    }
  }

  /** The first way {@code v} breaks {@code s}, as "path: what", or null. */
  static String violation(JsonNode s, JsonNode v, String path) {
    String where = path.isEmpty() ? "the object" : path;
    String type = s.path("type").asText(null);
    if (type != null && !hasType(v, type)) {
      return where + ": must be " + (type.equals("object") || type.equals("array") || type.equals("integer") ? "an " : "a ")
          + type + ", is " + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
    if (s.has("enum")) {
      boolean in = false;
      for (JsonNode e : s.get("enum")) {
        in |= e.equals(v);
      }
      if (!in) {
        return where + ": '" + v.asText() + "' is not one of " + s.get("enum");
      }
    }
    if (s.has("pattern") && v.isTextual() && !Pattern.compile(s.get("pattern").asText()).matcher(v.asText()).find()) {
      return where + ": '" + v.asText() + "' does not match " + s.get("pattern").asText();
    }
    if (s.has("maxLength") && v.isTextual() && v.asText().length() > s.get("maxLength").asInt()) {
      return where + ": longer than " + s.get("maxLength").asInt() + " characters";
    }
    if (s.has("minimum") && v.isNumber() && v.asLong() < s.get("minimum").asLong()) {
      return where + ": less than " + s.get("minimum").asLong();
    }
    if (v.isObject()) {
      for (JsonNode r : s.path("required")) {
        if (!v.has(r.asText()) || v.get(r.asText()).isNull()) {
          return (path.isEmpty() ? "" : path + ".") + r.asText() + ": is required";
        }
      }
      JsonNode props = s.get("properties");
      JsonNode extra = s.get("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        String at = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
        JsonNode fs = props == null ? null : props.get(f.getKey());
        if (fs == null && extra != null && extra.isObject()) {
          fs = extra;
        }
        if (fs == null) {
          if (extra != null && extra.isBoolean() && !extra.asBoolean()) {
            return at + ": not a field of this kind (the API server would drop it)";
          }
          continue;
        }
        String p = violation(fs, f.getValue(), at);
        if (p != null) {
          return p;
        }
      }
    }
    if (v.isArray() && s.has("items")) {
      for (int i = 0; i < v.size(); i++) {
        String p = violation(s.get("items"), v.get(i), path + "[" + i + "]");
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private static boolean hasType(JsonNode v, String type) {
    return switch (type) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "boolean" -> v.isBoolean();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      default -> throw new IllegalStateException("schema type '" + type + "' is not known to the checker");
    };
  }
}
