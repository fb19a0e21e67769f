package dev.airlock.registry.http;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Makes URLs safe to print: no user info, no signed-URL or token query values, no upload-session state
 * ({@code _state}: long, and a handle on the session).
 */
public final class Redaction {
  private Redaction() {}

  private static final Set<String> SECRET_PARAMS = Set.of(
      "x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature", "sig", "token",
      "access_token", "refresh_token", "password", "x-goog-signature", "x-goog-credential", "se", "sv", "st", "skoid",
      "sktid", "ske", "sks", "skv", "key", "secret", "_state");

  public static String url(URI uri) {
    if (uri == null) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    if (uri.getScheme() != null) {
      b.append(uri.getScheme()).append("://");
    }
    if (uri.getHost() != null) {
      b.append(uri.getHost());
      if (uri.getPort() >= 0) {
        b.append(':').append(uri.getPort());
      }
    } else if (uri.getRawAuthority() != null) {
      String a = uri.getRawAuthority();
      int at = a.lastIndexOf('@');
      b.append(at >= 0 ? a.substring(at + 1) : a);
    }
    if (uri.getRawPath() != null) {
      b.append(uri.getRawPath());
    }
    String q = uri.getRawQuery();
    if (q != null && !q.isEmpty()) {
      b.append('?');
      String[] parts = q.split("&");
      for (int i = 0; i < parts.length; i++) {
        if (i > 0) {
          b.append('&');
        }
        String p = parts[i];
        int eq = p.indexOf('=');
        String name = eq < 0 ? p : p.substring(0, eq);
        if (eq >= 0 && SECRET_PARAMS.contains(name.toLowerCase(Locale.ROOT))) {
          b.append(name).append("=REDACTED");
        } else {
          b.append(p);
        }
      }
    }
    return b.toString();
  }
}
