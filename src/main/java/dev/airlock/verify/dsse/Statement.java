package dev.airlock.verify.dsse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** A view over an in-toto Statement (v0.1 or v1): subjects by name with their sha256, the predicate. */
public record Statement(String predicateType, Map<String, Digest> subjects, JsonNode predicate) {
  public static final String V1 = "https://in-toto.io/Statement/v1";
  public static final String V01 = "https://in-toto.io/Statement/v0.1";

  public static Statement parse(byte[] bytes, String what) {
    JsonNode n = Json.tree(bytes, what);
    String type = n.path("_type").asText();
    if (!V1.equals(type) && !V01.equals(type)) {
      throw new InvalidInputException(what + " is not an in-toto statement (_type '" + type + "')");
    }
    Map<String, Digest> subjects = new LinkedHashMap<>();
    for (JsonNode s : n.path("subject")) {
      String hex = s.path("digest").path("sha256").asText(null);
      if (hex != null && Digest.isValid("sha256:" + hex)) {
        subjects.put(s.path("name").asText(""), Digest.sha256Hex(hex));
      }
    }
    return new Statement(n.path("predicateType").asText(null), subjects, n.path("predicate"));
  }

  public boolean hasSubjectDigest(Digest d) {
    return subjects.containsValue(d);
  }
}
