package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * The validity windows of a Sigstore trusted root, read from its JSON and checked as the client
 * specification asks: every transparency log and CT log key, every certificate authority and every
 * timestamp authority must say when it starts ({@code validFor.start}, a required field); a root without
 * one is malformed and refused, rather than read as valid since forever. {@code end} is optional (open).
 */
final class TrustedRootWindows {
  /** {@code [start, end]}, {@code end} null when open. */
  record Window(Instant start, Instant end) {
    boolean contains(Instant t) {
      return !t.isBefore(start) && (end == null || !t.isAfter(end));
    }

    @Override
    public String toString() {
      return "[" + start + ", " + (end == null ? "open" : end) + "]";
    }
  }

  private final Map<String, Window> tlogs;

  private TrustedRootWindows(Map<String, Window> tlogs) {
    this.tlogs = tlogs;
  }

  static TrustedRootWindows read(JsonNode root, String source) {
    Map<String, Window> tlogs = new HashMap<>();
    for (JsonNode t : root.path("tlogs")) {
      tlogs.put(t.path("logId").path("keyId").asText(), window(t.path("publicKey").path("validFor"), source,
          "tlog " + t.path("baseUrl").asText("?")));
    }
    for (JsonNode t : root.path("ctlogs")) {
      window(t.path("publicKey").path("validFor"), source, "ctlog " + t.path("baseUrl").asText("?"));
    }
    for (JsonNode ca : root.path("certificateAuthorities")) {
      window(ca.path("validFor"), source, "certificate authority " + ca.path("uri").asText("?"));
    }
    for (JsonNode tsa : root.path("timestampAuthorities")) {
      window(tsa.path("validFor"), source, "timestamp authority " + tsa.path("uri").asText("?"));
    }
    return new TrustedRootWindows(tlogs);
  }

  private static Window window(JsonNode validFor, String source, String what) {
    if (!validFor.path("start").isTextual()) {
      throw new InvalidInputException(source + " is a malformed trusted root: the " + what
          + " has no validFor.start (required; a missing start is not read as unbounded)");
    }
    Instant start = instant(validFor.path("start").asText(), source, what);
    Instant end = validFor.path("end").isTextual() ? instant(validFor.path("end").asText(), source, what) : null;
    if (end != null && end.isBefore(start)) {
      throw new InvalidInputException(source + " is a malformed trusted root: the " + what + " ends before it starts");
    }
    return new Window(start, end);
  }

  private static Instant instant(String s, String source, String what) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(source + " is a malformed trusted root: the " + what + " has an unreadable time '"
          + s + "'");
    }
  }

  /** The window of the log whose key id (base64, as in the root and in bundles) is {@code keyId}; null when unknown. */
  Window tlog(String keyId) {
    return tlogs.get(keyId);
  }
}
