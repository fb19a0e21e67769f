package dev.airlock.registry.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A user name and secret for one registry. An {@code identityToken} (from a credential helper that
 * answers with user {@code <token>}) is used as an OAuth2 refresh token. {@link #toString()} never shows
 * the secret.
 */
public record Credentials(String username, String password, String identityToken) {
  public static Credentials basic(String username, String password) {
    return new Credentials(username, password, null);
  }

  public String basicHeader() {
    String raw = (username == null ? "" : username) + ":" + (password == null ? "" : password);
    return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "Credentials[" + username + ", secret redacted]";
  }
}
