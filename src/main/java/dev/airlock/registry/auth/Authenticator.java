package dev.airlock.registry.auth;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides the {@code Authorization} header for a registry: none (anonymous), HTTP basic, or a bearer
 * token for the request's scopes, learnt from the {@code WWW-Authenticate} challenge of {@code GET /v2/}
 * or of any 401. Tokens are cached per scope set until they expire; a 401 drops the cached token so the
 * next attempt fetches a fresh one. Thread-safe.
 */
public final class Authenticator {
  private final String host;
  private final CredentialResolver resolver;
  private final TokenClient tokens;
  private final Map<String, TokenClient.Token> cache = new ConcurrentHashMap<>();
  private final Map<String, Object> fetchLocks = new ConcurrentHashMap<>();
  private volatile AuthChallenge challenge;
  private volatile Optional<Credentials> credentials;

  /** @param host the registry as written ({@code docker.io}, {@code reg:5000}), for credential lookup */
  public Authenticator(String host, CredentialResolver resolver, TokenClient tokens) {
    this.host = host;
    this.resolver = resolver;
    this.tokens = tokens;
  }

  /** Learns how the registry wants to be addressed (from the ping's 401; null for 200). */
  public void learn(AuthChallenge ch) {
    this.challenge = ch;
  }

  private Optional<Credentials> credentials() throws IOException {
    Optional<Credentials> c = credentials;
    if (c == null) {
      synchronized (this) {
        if (credentials == null) {
          credentials = resolver.find(host);
        }
        c = credentials;
      }
    }
    return c;
  }

  /** The header value for a request needing {@code scopes}, or null to go anonymous. */
  public String authorization(List<String> scopes) throws IOException {
    AuthChallenge ch = challenge;
    if (ch == null) {
      return null;
    }
    if (ch.isBasic()) {
      return credentials().map(c -> c.username() != null ? c.basicHeader() : null).orElse(null);
    }
    if (ch.isBearer() && ch.realm() != null) {
      String key = key(scopes);
      TokenClient.Token t = cache.get(key);
      if (t == null || !t.usable(Instant.now())) {
        // one fetch per scope set, however many blobs ask at once
        synchronized (fetchLocks.computeIfAbsent(key, k -> new Object())) {
          t = cache.get(key);
          if (t == null || !t.usable(Instant.now())) {
            t = tokens.fetch(ch, new ArrayList<>(new TreeSet<>(scopes)), credentials().orElse(null));
            cache.put(key, t);
          }
        }
      }
      return "Bearer " + t.value();
    }
    return null;
  }

  /**
   * After a 401: learn the new challenge and drop the cached token for these scopes.
   *
   * @return the scopes to use on the retry (the request's plus any the challenge asks for), or null when
   *     retrying cannot help (basic auth without credentials, or the same credentials again)
   */
  public List<String> onUnauthorized(String wwwAuthenticate, List<String> scopes, String sentAuthorization)
      throws IOException {
    AuthChallenge ch = AuthChallenge.parse(wwwAuthenticate);
    if (ch == null) {
      return null;
    }
    challenge = ch;
    if (ch.isBasic()) {
      Optional<Credentials> c = credentials();
      if (c.isEmpty() || c.get().username() == null) {
        return null;
      }
      return sentAuthorization != null && sentAuthorization.startsWith("Basic ") ? null : scopes;
    }
    if (!ch.isBearer() || ch.realm() == null) {
      return null;
    }
    List<String> all = new ArrayList<>(scopes);
    if (ch.scope() != null) {
      for (String s : ch.scope().split(" ")) {
        if (!s.isBlank() && !all.contains(s)) {
          all.add(s);
        }
      }
    }
    cache.remove(key(scopes));
    cache.remove(key(all));
    return all;
  }

  private static String key(List<String> scopes) {
    return String.join(" ", new TreeSet<>(scopes));
  }
}
