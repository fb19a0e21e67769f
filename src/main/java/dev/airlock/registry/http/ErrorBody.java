package dev.airlock.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import java.nio.charset.StandardCharsets;

/** The distribution spec's error body {@code {"errors":[{"code","message","detail"}]}}, first entry. */
public record ErrorBody(String code, String message) {
  public static final int CAP = 64 * 1024;

  public static ErrorBody parse(byte[] body) {
    if (body == null || body.length == 0) {
      return new ErrorBody(null, null);
    }
    try {
      JsonNode n = Json.MAPPER.readTree(body);
      JsonNode first = n == null ? null : n.path("errors").path(0);
      if (first != null && first.isObject()) {
        String code = first.path("code").asText(null);
        String msg = first.path("message").asText(null);
        return new ErrorBody(code, msg);
      }
    } catch (Exception e) {
      // not JSON: fall through
    }
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).trim();
    return new ErrorBody(null, text.isEmpty() || text.startsWith("<") ? null : text);
  }
}
