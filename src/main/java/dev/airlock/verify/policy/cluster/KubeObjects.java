package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Secret and ConfigMap manifests of a policy file set, by name, for the key material policies reference. */
final class KubeObjects {
  private final String file;
  private final List<JsonNode> docs;

  KubeObjects(String file, List<JsonNode> docs) {
    this.file = file;
    this.docs = docs;
  }

  /**
   * The entries of the Secret named so (and in {@code namespace}, when given): {@code stringData} as is,
   * {@code data} base64-decoded. Missing from the file set is an error: the key cannot be read offline.
   */
  Map<String, String> secret(String referrer, String name, String namespace) {
    JsonNode s = find("Secret", name, namespace, referrer);
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = s.path("data").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      try {
        out.put(e.getKey(), new String(Base64.getMimeDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException x) {
        throw new InvalidInputException(file + ": Secret " + name + ": data." + e.getKey() + " is not base64");
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = s.path("stringData").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private JsonNode find(String kind, String name, String namespace, String referrer) {
    List<String> seen = new ArrayList<>();
    for (JsonNode d : docs) {
      if (d.path("apiVersion").asText().equals("v1") && d.path("kind").asText().equals(kind)) {
        String n = d.path("metadata").path("name").asText();
        String ns = d.path("metadata").path("namespace").asText(null);
        seen.add(n);
        if (n.equals(name) && (namespace == null || ns == null || namespace.equals(ns))) {
          return d;
        }
      }
    }
    throw new InvalidInputException(referrer + ": references " + kind + " " + (namespace == null ? "" : namespace + "/")
        + name + ", which is not in " + file + " (put its manifest in the same file; "
        + (seen.isEmpty() ? "it holds none" : "it holds " + String.join(", ", seen)) + ")");
  }
}
