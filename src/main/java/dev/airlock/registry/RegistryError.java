package dev.airlock.registry;

/**
 * What a person needs to know about a failed registry call: the reference and digest involved, the
 * HTTP status (0 when the connection failed), the registry's error code (e.g. {@code MANIFEST_UNKNOWN},
 * may be null), the request's method and URL (credentials and signatures redacted) and how many attempts
 * were made (0 or 1: one, not said).
 */
public record RegistryError(String reference, String digest, int status, String code, String detail, String url,
    String method, int attempts) {

  /** Without the method and attempt count. */
  public RegistryError(String reference, String digest, int status, String code, String detail, String url) {
    this(reference, digest, status, code, detail, url, null, 0);
  }

  /** The same error for {@code m url} after {@code n} attempts. */
  public RegistryError request(String m, String redactedUrl, int n) {
    return new RegistryError(reference, digest, status, code, detail, redactedUrl, m, n);
  }

  /**
   * One line: {@code registry.example/app@sha256:..: HTTP 403 DENIED: requested access is denied (GET https://...)},
   * with {@code , 5 attempts} inside the parenthesis when the request was tried more than once.
   */
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
    if (url != null || attempts > 1) {
      b.append(" (");
      if (url != null) {
        b.append(method != null ? method + " " : "").append(url);
      }
      if (attempts > 1) {
        b.append(url != null ? ", " : "").append(attempts).append(" attempts");
      }
      b.append(')');
    }
    return b.toString();
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("[\\r\\n\\t]+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }
}
