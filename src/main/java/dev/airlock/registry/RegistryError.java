package dev.airlock.registry;

/**
 * What a person needs to know about a failed registry call: the reference and digest involved, the
 * HTTP status (0 when the connection failed), the registry's error code (e.g. {@code MANIFEST_UNKNOWN},
 * may be null) and the URL with credentials and signatures redacted.
 */
public record RegistryError(String reference, String digest, int status, String code, String detail, String url) {

  /** One line: {@code registry.example/app@sha256:..: HTTP 403 DENIED: requested access is denied (GET https://...)}. */
  public String message(String summary) {
    StringBuilder b = new StringBuilder();
    if (reference != null) {
      b.append(reference);
      if (digest != null && !reference.contains(digest)) {
        b.append(" (").append(digest).append(')');
      }
      b.append(": ");
    } else if (digest != null) {
      b.append(digest).append(": ");
    }
    b.append(summary);
    if (status > 0) {
      b.append(": HTTP ").append(status);
    }
    if (code != null) {
      b.append(' ').append(code);
    }
    if (detail != null && !detail.isBlank()) {
      b.append(": ").append(oneLine(detail));
    }
    if (url != null) {
      b.append(" (").append(url).append(')');
    }
    return b.toString();
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("[\\r\\n\\t]+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
