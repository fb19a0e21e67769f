package dev.airlock.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.registry.RegistryError;
import dev.airlock.registry.RegistryException;
import dev.airlock.registry.http.ErrorBody;
import dev.airlock.registry.http.Redaction;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Asks a token service ({@code realm} of a bearer challenge) for a token: a GET with the service and
 * scopes, with HTTP basic credentials when there are any, or an OAuth2 refresh-token POST when the
 * credentials are an identity token. The answer is capped and its secret never printed.
 */
public final class TokenClient {
  /** A token and when it stops being usable. */
  public record Token(String value, Instant expires) {
    public boolean usable(Instant now) {
      return now.isBefore(expires);
    }

    @Override
    public String toString() {
      return "Token[redacted, expires " + expires + "]";
    }
  }

  private static final int CAP = 1024 * 1024;
  private final Function<URI, HttpClient> clients;
  private final dev.airlock.registry.http.RetryPolicy retry;

  public TokenClient(Function<URI, HttpClient> clients) {
    this(clients, dev.airlock.registry.http.RetryPolicy.none());
  }

  /** With {@code retry}: a token service that fails to answer (connection, 429, 5xx, a cut answer) is asked again. */
  public TokenClient(Function<URI, HttpClient> clients, dev.airlock.registry.http.RetryPolicy retry) {
    this.clients = clients;
    this.retry = retry;
  }

  public Token fetch(AuthChallenge ch, List<String> scopes, Credentials creds) throws IOException {
    URI realm = URI.create(ch.realm());
    StringBuilder q = new StringBuilder();
    if (ch.service() != null) {
      q.append("service=").append(enc(ch.service()));
    }
    HttpRequest.Builder rb;
    if (creds != null && creds.identityToken() != null) {
      StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=airlock&refresh_token=")
          .append(enc(creds.identityToken()));
      if (ch.service() != null) {
        form.append("&service=").append(enc(ch.service()));
      }
      if (!scopes.isEmpty()) {
        form.append("&scope=").append(enc(String.join(" ", scopes)));
      }
      rb = HttpRequest.newBuilder(realm).header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
    } else {
      for (String s : scopes) {
        q.append(q.length() > 0 ? "&" : "").append("scope=").append(enc(s));
      }
      String sep = realm.getRawQuery() == null ? "?" : "&";
      URI uri = URI.create(realm + (q.length() > 0 ? sep + q : ""));
      rb = HttpRequest.newBuilder(uri).GET();
      if (creds != null && creds.username() != null) {
        rb.header("Authorization", creds.basicHeader());
      }
    }
    HttpRequest req = rb.timeout(Duration.ofSeconds(60)).header("User-Agent", "airlock").build();
    HttpResponse<InputStream> resp;
    byte[] body;
    for (int attempt = 1; ; attempt++) {
      try {
        resp = clients.apply(req.uri()).send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
          body = Json.readCapped(in, CAP, "token response from " + Redaction.url(realm));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted fetching a token");
      } catch (java.io.InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        if (attempt >= retry.maxAttempts()) {
          throw new RegistryException("token service did not answer after " + attempt + " attempt(s): "
              + dev.airlock.registry.http.TransportFailure.describe(e, -1, -1),
              new RegistryError(null, null, 0, null, null, Redaction.url(realm), req.method(), attempt), e);
        }
        retry.pause(attempt, null);
        continue;
      }
      if (dev.airlock.registry.http.RegistryHttp.retryableStatus(resp.statusCode()) && attempt < retry.maxAttempts()) {
        retry.pause(attempt, resp.headers().firstValue("Retry-After").orElse(null));
        continue;
      }
      break;
    }
    if (resp.statusCode() != 200) {
      ErrorBody e = ErrorBody.parse(body);
      throw new RegistryException("token service refused " + String.join(" ", scopes),
          new RegistryError(null, null, resp.statusCode(), e.code(), e.message(), Redaction.url(realm)));
    }
    JsonNode n = Json.tree(body, "token response from " + Redaction.url(realm));
    String token = n.path("token").asText(null);
    if (token == null || token.isEmpty()) {
      token = n.path("access_token").asText(null);
    }
    if (token == null || token.isEmpty()) {
      throw new RegistryException("token service answered without a token",
          new RegistryError(null, null, resp.statusCode(), null, null, Redaction.url(realm)));
    }
    long expiresIn = Math.max(60, n.path("expires_in").asLong(60));
    Instant issued = Instant.now();
    // keep a margin so a token does not expire in flight
    return new Token(token, issued.plusSeconds(expiresIn - Math.min(30, expiresIn / 10)));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
