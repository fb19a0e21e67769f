package dev.airlock.importer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.registry.RegistryException;
import dev.airlock.registry.auth.AuthChallenge;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.auth.TokenClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Whether the target grants what the import needs, asked before the first byte is pushed: with token auth,
 * a token for exactly {@code repository:NAME:pull,push} per target repository, whose JWT {@code access}
 * claim (decoded, not verified: this is planning information, the registry still decides) lists what was
 * granted. Blobs are mounted only between the import's own target repositories, so their {@code pull} is
 * part of the same scopes. Basic or anonymous registries cannot be asked without writing.
 *
 * @param lines one line per repository for the plan
 * @param denied the repositories where push was not granted
 */
public record PushAccess(List<String> lines, List<String> denied) {
  private static final int CLAIMS_CAP = 64 * 1024;

  /** A target that checks nothing (a layout, or a registry without token auth). */
  public static PushAccess unchecked(String why) {
    return new PushAccess(List.of(why), List.of());
  }

  /** Asks the token service of {@code challenge} for push on each repository. */
  public static PushAccess check(AuthChallenge challenge, TokenClient tokens, Credentials creds,
      Collection<String> repositories) throws IOException {
    List<String> lines = new ArrayList<>();
    List<String> denied = new ArrayList<>();
    for (String repo : new TreeSet<>(repositories)) {
      List<String> scopes = Scopes.push(repo);
      String granted;
      try {
        granted = actions(tokens.fetch(challenge, scopes, creds).value(), repo);
      } catch (RegistryException e) {
        lines.add("auth " + repo + ": push NOT granted (" + e.getMessage() + ")");
        denied.add(repo);
        continue;
      }
      if (granted == null) {
        lines.add("auth " + repo + ": token issued for " + scopes.get(0) + " (not a JWT: access checked on first write)");
      } else if (granted.contains("push") || granted.equals("*")) {
        lines.add("auth " + repo + ": pull,push granted (token access: " + granted + ")");
      } else {
        lines.add("auth " + repo + ": push NOT granted (token access: " + (granted.isEmpty() ? "none" : granted) + ")");
        denied.add(repo);
      }
    }
    return new PushAccess(lines, denied);
  }

  /** The actions the JWT grants on {@code repo} ("" for none), or null when the token is not a readable JWT. */
  static String actions(String token, String repo) {
    String[] parts = token.split("\\.");
    if (parts.length != 3 || parts[1].length() > CLAIMS_CAP) {
      return null;
    }
    JsonNode claims;
    try {
      byte[] json = Base64.getUrlDecoder().decode(parts[1].replace('=', ' ').trim());
      claims = Json.tree(json, "token claims");
    } catch (RuntimeException e) {
      return null;
    }
    TreeSet<String> acts = new TreeSet<>();
    for (JsonNode a : claims.path("access")) {
      if ("repository".equals(a.path("type").asText()) && repo.equals(a.path("name").asText())) {
        a.path("actions").forEach(x -> acts.add(x.asText()));
      }
    }
    return String.join(",", acts);
  }
}
