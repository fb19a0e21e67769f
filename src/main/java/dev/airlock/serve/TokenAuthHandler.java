package dev.airlock.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The distribution token flow in front of the registry ({@code serve --token-auth}): serve is both the
 * registry and its token server.
 * <ul>
 *   <li>Every registry request needs {@code Authorization: Bearer TOKEN}; without one, or with one that is
 *       not valid (signature, audience, expiry: {@link TokenSigner}) or does not cover the request, the answer
 *       is 401 with {@code WWW-Authenticate: Bearer realm="SCHEME://HOST/token",service="...",scope="..."}
 *       (plus {@code error="invalid_token"} or {@code error="insufficient_scope"}), as distribution
 *       answers. {@code /v2/} needs a valid token with any scope; {@code _catalog} needs
 *       {@code registry:catalog:*}; a repository's manifests, blobs, tags and referrers need
 *       {@code repository:NAME:pull}; a write needs {@code push} (or {@code delete}), which is never
 *       granted.</li>
 *   <li>{@code GET /token?service=...&scope=...} checks HTTP Basic credentials against the htpasswd file
 *       through {@link BasicAuthHandler} (so failed logins are rate-limited and logged without the password
 *       there, exactly as with {@code --htpasswd} alone) and answers
 *       {@code {"token","access_token","expires_in","issued_at"}}. Of the scopes asked for, only {@code pull}
 *       on a repository and {@code *} on {@code registry:catalog} are granted; {@code push}, {@code delete}
 *       and anything else are left out of the token (the client then finds its token does not cover a
 *       write). Without credentials: 401, unless anonymous pulls are allowed.</li>
 *   <li>The OAuth2 {@code POST /token} form is answered 405: serve reads no request bodies, and clients
 *       (containerd) fall back to {@code GET} on it.</li>
 * </ul>
 * The realm is the origin the client used ({@code Host}), so credentials only ever go back to the server
 * the client was already talking to; {@code https} when serve speaks TLS or a TLS-terminating proxy in front
 * says {@code X-Forwarded-Proto: https} (the header never turns {@code https} into {@code http}).
 */
final class TokenAuthHandler implements RequestHandler {
  static final String TOKEN_PATH = "/token";
  private static final Pattern HOST = Pattern.compile(
      "([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?");

  private final RequestHandler registry;
  private final RequestHandler endpoint;
  private final TokenSigner signer;
  private final TokenAuth options;
  private final String scheme;

  TokenAuthHandler(RequestHandler registry, Htpasswd users, TokenAuth options, boolean tls, Consumer<String> log) {
    this.registry = registry;
    this.options = options;
    this.signer = new TokenSigner(options.service());
    this.scheme = tls ? "https" : "http";
    this.endpoint = new BasicAuthHandler(this::issue, users, log);
  }

  @Override
  public void handle(HttpRequestHead request, HttpResponse response) throws IOException {
    response.header("Docker-Distribution-API-Version", "registry/2.0");
    String path = request.rawPath();
    if (path.equals(TOKEN_PATH)) {
      if (!request.method().equals("GET")) {
        response.header("Allow", "GET");
        send(request, response, new OciError(405, "UNSUPPORTED", request.method() + " " + TOKEN_PATH
            + ": ask for a token with GET and HTTP Basic credentials"));
      } else if (request.header("Authorization") == null && options.anonymous()) {
        issue(request, response);
      } else {
        endpoint.handle(request, response);
      }
      return;
    }
    TokenScope needed = required(request.method(), path);
    String auth = request.header("Authorization");
    boolean bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7);
    TokenSigner.Claims claims = bearer ? signer.verify(auth.substring(7).trim(), Instant.now()) : null;
    if (claims == null) {
      challenge(request, response, needed, bearer ? "invalid_token" : null,
          bearer ? "the bearer token is not valid (expired, or not issued by this server)" : "authentication required");
      return;
    }
    if (needed != null && !claims.grants(needed.type(), needed.name(), needed.actions().iterator().next())) {
      challenge(request, response, needed, "insufficient_scope", "the token does not grant " + needed
          + (needed.actions().contains(TokenScope.PULL) ? "" : "; this registry is read-only"));
      return;
    }
    response.user(claims.subject().isEmpty() ? null : claims.subject());
    registry.handle(request, response);
  }

  /**
   * The scope a registry request needs, or null when any valid token will do ({@code /v2/}, or a path the
   * registry answers 404 or 405 without looking at a repository). The path is taken apart in the order
   * {@link RegistryHandler} routes it, so the name checked here is the name served there.
   */
  static TokenScope required(String method, String path) {
    if (!path.startsWith("/v2/")) {
      return null;
    }
    String rest = path.substring(4);
    if (rest.isEmpty()) {
      return null;
    }
    if (rest.equals("_catalog")) {
      return TokenScope.catalog();
    }
    String action = method.equals("GET") || method.equals("HEAD") ? TokenScope.PULL
        : method.equals("DELETE") ? "delete" : "push";
    String name = null;
    int at;
    if (rest.endsWith("/tags/list")) {
      name = rest.substring(0, rest.length() - "/tags/list".length());
    } else if ((at = rest.indexOf("/blobs/uploads")) >= 0) {
      name = rest.substring(0, at);
      action = "push";
    } else if ((at = rest.lastIndexOf("/manifests/")) > 0) {
      name = rest.substring(0, at);
    } else if ((at = rest.lastIndexOf("/blobs/")) > 0) {
      name = rest.substring(0, at);
    } else if ((at = rest.lastIndexOf("/referrers/")) > 0) {
      name = rest.substring(0, at);
    }
    return name == null || name.isEmpty() ? null : TokenScope.repository(name, action);
  }

  /** The token endpoint, once {@link BasicAuthHandler} has let the credentials through (or anonymous). */
  private void issue(HttpRequestHead request, HttpResponse response) throws IOException {
    String service = firstParameter(request, "service");
    if (service != null && !service.equals(signer.service())) {
      send(request, response, new OciError(400, "UNSUPPORTED", "this token server is for service " + signer.service()
          + ", not " + RegistryHandler.safe(service)));
      return;
    }
    List<TokenScope> granted = granted(TokenScope.parseAll(parameters(request, "scope")));
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long ttl = options.ttl().getSeconds();
    String user = basicUser(request.header("Authorization"));
    String token = signer.issue(user == null ? "" : user, granted, now, ttl);
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("token", token);
    body.put("access_token", token);
    body.put("expires_in", ttl);
    body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(now));
    response.header("Content-Type", "application/json");
    response.header("Cache-Control", "no-store");
    response.sendBytes(200, Json.write(body), false);
  }

  /** Of the scopes asked for, those serve grants: pull on a repository, * on the catalog; nothing else. */
  static List<TokenScope> granted(List<TokenScope> asked) {
    Set<TokenScope> out = new LinkedHashSet<>();
    for (TokenScope s : asked) {
      if (s.type().equals("repository") && (s.actions().contains(TokenScope.PULL) || s.actions().contains("*"))
          && s.name().length() <= 255 && RepositoryNames.NAME.matcher(s.name()).matches()) {
        out.add(TokenScope.repository(s.name(), TokenScope.PULL));
      } else if (s.type().equals("registry") && s.name().equals("catalog") && s.actions().contains("*")) {
        out.add(TokenScope.catalog());
      }
    }
    return new ArrayList<>(out);
  }

  private void challenge(HttpRequestHead request, HttpResponse response, TokenScope scope, String error, String message)
      throws IOException {
    String host = request.header("Host");
    if (host == null || !HOST.matcher(host).matches()) {
      send(request, response, new OciError(400, "UNSUPPORTED", "a request needs a Host header naming this server"
          + " (it is where the token is asked for)"));
      return;
    }
    // behind a TLS-terminating proxy (serve on loopback, the proxy says so), the client speaks HTTPS: the realm
    // must say https too, or its password would go to the plain-HTTP port; the header can only upgrade
    String forwarded = request.header("X-Forwarded-Proto");
    String realmScheme = forwarded != null && forwarded.strip().equalsIgnoreCase("https") ? "https" : scheme;
    StringBuilder c = new StringBuilder("Bearer realm=\"").append(realmScheme).append("://").append(host).append(TOKEN_PATH)
        .append("\",service=\"").append(signer.service()).append('"');
    if (scope != null) {
      c.append(",scope=\"").append(scope).append('"');
    }
    if (error != null) {
      c.append(",error=\"").append(error).append('"');
    }
    response.header("WWW-Authenticate", c.toString());
    send(request, response, new OciError(401, "UNAUTHORIZED", message));
  }

  private static void send(HttpRequestHead request, HttpResponse response, OciError e) throws IOException {
    response.header("Content-Type", "application/json");
    response.sendBytes(e.status(), e.body(), request.method().equals("HEAD"));
  }

  private static String firstParameter(HttpRequestHead request, String name) {
    List<String> all = parameters(request, name);
    return all.isEmpty() ? null : all.get(0);
  }

  /** Every value of query parameter {@code name}, decoded (clients repeat {@code scope}). */
  static List<String> parameters(HttpRequestHead request, String name) {
    List<String> out = new ArrayList<>();
    String q = request.rawQuery();
    if (q == null) {
      return out;
    }
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).equals(name)) {
        try {
          out.add(URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          // a malformed escape: not a value
        }
      }
    }
    return out;
  }

  /** The user name of a Basic header (already checked by {@link BasicAuthHandler}), or null. */
  private static String basicUser(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon <= 0 ? null : decoded.substring(0, colon);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
