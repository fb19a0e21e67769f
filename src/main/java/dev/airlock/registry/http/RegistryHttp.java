package dev.airlock.registry.http;

import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.registry.RegistryError;
import dev.airlock.registry.RegistryException;
import dev.airlock.registry.RegistryNotFoundException;
import dev.airlock.registry.auth.AuthChallenge;
import dev.airlock.registry.auth.Authenticator;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP side of one registry host: ping, authentication (with one refresh on 401), redirects followed
 * by hand (the {@code Authorization} header never leaves the registry's origin, and TLS is never
 * downgraded to a host not allowed plain HTTP), and bounded retries on connection errors, 429 and 5xx.
 * Thread-safe; connections are pooled by the JDK client.
 */
public final class RegistryHttp {
  private static final int MAX_REDIRECTS = 10;
  /** A host that refuses connections or does not resolve is down, not flaky: tried this often at most (~8 s). */
  static final int UNREACHABLE_ATTEMPTS = 5;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Socket reads and request-body chunks of the JDK client; its 16 KiB default caps a blob at ~100 MiB/s.
   * 256 KiB, not more: G1 stores an array of half a region or more (512 KiB in any heap under 2 GiB) as a
   * humongous object taking a whole 1 MiB region, and a blob in flight holds several of these buffers, so
   * 512 KiB cost 4 MiB of heap where 256 KiB cost 1 (mirror under -Xmx64m: out of memory, and fine).
   */
  private static final String CLIENT_BUFFER = Integer.toString(256 * 1024);

  static {
    largeClientBuffers();
  }

  /**
   * Makes the JDK HTTP client read and send in 256 KiB chunks (bounded: one or two per connection). It
   * takes effect only before the first {@link HttpClient} of the JVM is built; call it before building one.
   */
  public static void largeClientBuffers() {
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", CLIENT_BUFFER);
    }
  }

  private final String apiHost;
  private final URI base;
  private final TransportSecurity security;
  private final Authenticator auth;
  private final RetryPolicy retry;
  private final String userAgent;
  private final Duration readTimeout;
  private volatile HttpClient verifying;
  private volatile HttpClient unverified;
  private volatile boolean pinged;

  public RegistryHttp(String apiHost, TransportSecurity security, Authenticator auth, RetryPolicy retry,
      String userAgent) {
    this(apiHost, security, auth, retry, userAgent, Duration.ofSeconds(60));
  }

  /**
   * @param readTimeout how long to wait for the response headers of a GET or HEAD and, while
   *     reading a body, for its next bytes; then the request counts as a connection failure
   */
  public RegistryHttp(String apiHost, TransportSecurity security, Authenticator auth, RetryPolicy retry,
      String userAgent, Duration readTimeout) {
    this.readTimeout = readTimeout;
    this.apiHost = apiHost;
    this.security = security;
    this.auth = auth;
    this.retry = retry;
    this.userAgent = userAgent;
    this.base = URI.create((security.plainHttp(apiHost) ? "http" : "https") + "://" + apiHost);
  }

  public URI base() {
    return base;
  }

  /** {@code base + path} where {@code path} starts with {@code /v2/}. */
  public URI uri(String pathAndQuery) {
    return URI.create(base + pathAndQuery);
  }

  public RetryPolicy retry() {
    return retry;
  }

  private static String hostPort(URI uri) {
    return uri.getPort() >= 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
  }

  /** The client for a target: unverified TLS only for hosts the user named. */
  public HttpClient clientFor(URI uri) {
    String hp = hostPort(uri);
    if ("https".equalsIgnoreCase(uri.getScheme()) && security.skipVerify(hp)) {
      HttpClient c = unverified;
      if (c == null) {
        synchronized (this) {
          if (unverified == null) {
            unverified = build(TransportSecurity.unverifiedContext());
          }
          c = unverified;
        }
      }
      return c;
    }
    HttpClient c = verifying;
    if (c == null) {
      synchronized (this) {
        if (verifying == null) {
          // a plain-HTTP registry needs TLS only after a redirect to an https origin: build it then
          verifying = build(security.plainHttp(apiHost) ? new DeferredSslContext(security::verifyingContext)
              : security.verifyingContext());
        }
        c = verifying;
      }
    }
    return c;
  }

  private static HttpClient build(javax.net.ssl.SSLContext ctx) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(CONNECT_TIMEOUT)
        .sslContext(ctx)
        .build();
  }

  /** {@code GET /v2/} once: learns whether and how to authenticate. */
  public void ping() throws IOException {
    if (pinged) {
      return;
    }
    synchronized (this) {
      if (pinged) {
        return;
      }
      Call c = Call.get(uri("/v2/"), List.of(), apiHost, null);
      Answer r = exchange(c, false, ErrorBody.CAP, null);
      if (r.status() == 400 && base.getScheme().equals("http")
          && new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).contains("HTTP request to an HTTPS server")) {
        throw new RegistryException(apiHost + " speaks HTTPS, but loopback hosts get plain HTTP unless named with --tls "
            + apiHost + " (add --ca-file FILE for a private CA)",
            new RegistryError(apiHost, null, 400, null, null, Redaction.url(c.uri())));
      }
      if (r.status() == 401) {
        auth.learn(AuthChallenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null)));
      } else if (r.status() != 200) {
        throw new RegistryException("not an OCI registry (GET /v2/ failed)",
            new RegistryError(apiHost, null, r.status(), null, null, Redaction.url(c.uri())).request("GET",
                Redaction.url(c.uri()), r.attempts()));
      }
      pinged = true;
    }
  }

  /**
   * Sends with authentication and retries (connection failures, 429 and 5xx, within the retry budget) until
   * an answer's head arrives; for requests that are safe to send again. The response may still be an error
   * (4xx, or a 5xx on the last attempt): callers check the status and use {@link #failure}. The caller reads
   * and closes the body; a failure while reading it is the caller's to handle (see {@link #fetch}).
   */
  public HttpResponse<InputStream> send(Call call) throws IOException {
    ping();
    return sendRetrying(call, true);
  }

  /** A whole answer, read within the retry budget: its status, headers, body and the attempts it took. */
  public record Answer(int status, HttpHeaders headers, byte[] body, int attempts) {}

  /**
   * {@link #send} and reads the whole answer: a 2xx body of at most {@code cap} bytes (more is an
   * {@link dev.airlock.InvalidInputException} naming {@code what}), an error body up to 64 KiB. An answer cut or
   * stalled mid-body is asked for again, like a connection failure, within the same budget. For requests
   * that are safe to send again (GET, HEAD).
   */
  public Answer fetch(Call call, int cap, String what) throws IOException {
    ping();
    return exchange(call, true, cap, what);
  }

  /** Sends once, with authentication but without retries: for best-effort requests such as cleanup. */
  public HttpResponse<InputStream> sendOnce(Call call) throws IOException {
    ping();
    return sendAuthenticated(call);
  }

  /** Whether a status is worth another attempt: 429 and 5xx, but not 501 or 505. */
  public static boolean retryableStatus(int s) {
    return s == 429 || (s >= 500 && s != 501 && s != 505);
  }

  private Answer exchange(Call call, boolean authenticate, int cap, String what) throws IOException {
    for (int attempt = 1; ; ) {
      HttpResponse<InputStream> r = sendRetrying(call, authenticate, attempt);
      int n = attempt(r, attempt);
      int s = r.statusCode();
      long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      try (InputStream in = r.body()) {
        byte[] body;
        if (s / 100 == 2) {
          if (length > cap && what != null) {
            throw new dev.airlock.InvalidInputException(what + " is larger than the " + cap + " byte limit");
          }
          body = what != null ? Json.readCapped(in, cap, what) : in.readNBytes(cap);
        } else {
          try {
            body = in.readNBytes(ErrorBody.CAP);
          } catch (IOException e) {
            body = new byte[0]; // the status says what happened
          }
        }
        return new Answer(s, r.headers(), body, n);
      } catch (IOException e) {
        if (!TransportFailure.retryable(e)) {
          throw e;
        }
        long got = r instanceof WatchedResponse w ? w.received() : 0;
        if (n >= retry.maxAttempts()) {
          throw gaveUp(call, TransportFailure.describe(e, got, length), n, e);
        }
        retry.pause(n, null);
        attempt = n + 1;
      }
    }
  }

  private static int attempt(HttpResponse<InputStream> r, int fallback) {
    return r instanceof WatchedResponse w ? w.attempt() : fallback;
  }

  private HttpResponse<InputStream> sendRetrying(Call call, boolean authenticate) throws IOException {
    return sendRetrying(call, authenticate, 1);
  }

  /** Attempts from {@code first} on until an answer's head; the answer knows which attempt it is. */
  private HttpResponse<InputStream> sendRetrying(Call call, boolean authenticate, int first) throws IOException {
    for (int attempt = first; ; attempt++) {
      HttpResponse<InputStream> r;
      try {
        r = authenticate ? sendAuthenticated(call) : sendRedirecting(call, null);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        DigestMismatchException mismatch = find(e, DigestMismatchException.class);
        if (mismatch != null) {
          throw mismatch; // the content is wrong: sending it again will not help
        }
        String tls = TlsFailure.describe(e, hostPort(call.uri()));
        if (tls != null) {
          throw new RegistryException(tls, new RegistryError(call.reference(), call.digest(), 0, null, null,
              Redaction.url(call.uri())), e);
        }
        int limit = TransportFailure.unreachable(e) ? Math.min(retry.maxAttempts(), UNREACHABLE_ATTEMPTS)
            : retry.maxAttempts();
        if (find(e, PermanentTransportException.class) != null || attempt >= limit) {
          throw gaveUp(call, TransportFailure.describe(e, -1, -1), attempt, e);
        }
        retry.pause(attempt, null);
        continue;
      }
      if (r instanceof WatchedResponse w) {
        w.attempt(attempt);
      }
      int s = r.statusCode();
      if (retryableStatus(s) && attempt < retry.maxAttempts()) {
        String retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        discard(r);
        retry.pause(attempt, retryAfter);
        continue;
      }
      return r;
    }
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    return TransportFailure.find(t, type);
  }

  /**
   * The error for a request that failed {@code attempts} times without an answer to act on: one line naming
   * the reference, the method and redacted URL, what happened ({@code what}) and the attempts.
   */
  public RegistryException gaveUp(Call call, String what, int attempts, Throwable cause) {
    String summary = call.method() + " failed" + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + what;
    return new RegistryException(summary, new RegistryError(call.reference(), call.digest(), 0, null, null,
        Redaction.url(call.uri()), call.method(), attempts), cause);
  }

  private HttpResponse<InputStream> sendAuthenticated(Call call) throws IOException {
    String authz = auth.authorization(call.scopes());
    HttpResponse<InputStream> r = sendRedirecting(call, authz);
    if (r.statusCode() != 401) {
      return r;
    }
    String challenge = r.headers().firstValue("WWW-Authenticate").orElse(null);
    List<String> scopes = auth.onUnauthorized(challenge, call.scopes(), authz);
    if (scopes == null) {
      return r;
    }
    discard(r);
    return sendRedirecting(call, auth.authorization(scopes));
  }

  private HttpResponse<InputStream> sendRedirecting(Call call, String authorization) throws IOException {
    URI uri = call.uri();
    String method = call.method();
    boolean sameOrigin = true;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", userAgent);
      for (Map.Entry<String, String> h : call.headers().entrySet()) {
        b.header(h.getKey(), h.getValue());
      }
      if (authorization != null && sameOrigin) {
        b.header("Authorization", authorization);
      }
      HttpRequest.BodyPublisher body = call.body() != null && !method.equals("GET") && !method.equals("HEAD")
          ? call.body().open() : HttpRequest.BodyPublishers.noBody();
      WatchedBody upload = body.contentLength() != 0 ? new WatchedBody(body) : null;
      b.method(method, upload != null ? upload : body);
      Duration answer = answerTimeout(method, uri);
      if (upload == null) {
        b.timeout(answer); // until the answer's head: nothing to send first
      }
      HttpResponse<InputStream> r;
      try {
        HttpRequest request = b.build();
        HttpResponse<InputStream> sent = upload != null
            ? sendWatched(clientFor(uri), request, upload, answer)
            : clientFor(uri).send(request, HttpResponse.BodyHandlers.ofInputStream());
        r = new WatchedResponse(sent, readTimeout);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted: " + method + " " + Redaction.url(uri));
      }
      int s = r.statusCode();
      boolean redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
      String location = r.headers().firstValue("Location").orElse(null);
      if (!redirect || location == null || !(method.equals("GET") || method.equals("HEAD"))) {
        return r;
      }
      discard(r);
      if (hop >= MAX_REDIRECTS) {
        throw new PermanentTransportException("more than " + MAX_REDIRECTS + " redirects from " + Redaction.url(call.uri()));
      }
      URI next = uri.resolve(location);
      checkRedirectTarget(uri, next);
      if (!sameOrigin(uri, next)) {
        sameOrigin = false; // once the bytes come from elsewhere, the registry's credentials stay home
      }
      uri = next;
    }
  }

  /**
   * How long the answer's head may take once the request is sent: the read timeout, except for a request
   * that completes a blob upload ({@code PUT ?digest=}), where the registry may first move or hash the whole
   * blob: ten times the read timeout (10 minutes by default).
   */
  private Duration answerTimeout(String method, URI uri) {
    String q = uri.getRawQuery();
    boolean commit = method.equals("PUT") && q != null && (q.startsWith("digest=") || q.contains("&digest="));
    return commit ? readTimeout.multipliedBy(10) : readTimeout;
  }

  /**
   * Sends a request with a body, giving up when the registry takes none of it for the read timeout (a
   * stalled upload would otherwise hang the push), or gives no answer within {@code answer} once it has it all.
   */
  private HttpResponse<InputStream> sendWatched(HttpClient client, HttpRequest request, WatchedBody upload,
      Duration answer) throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<InputStream>> f = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
    long tick = Math.max(20, Math.min(1000, readTimeout.toMillis() / 4));
    try {
      while (true) {
        try {
          return f.get(tick, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          if (upload.idleNanos() > readTimeout.toNanos()) {
            f.cancel(true);
            throw new WatchedBody.StalledException("the registry took no bytes of the upload for "
                + IdleTimeoutInputStream.seconds(readTimeout) + " (stalled)");
          }
          if (upload.sentNanos() > answer.toNanos()) {
            f.cancel(true);
            throw new WatchedBody.StalledException("no answer " + IdleTimeoutInputStream.seconds(answer)
                + " after the request was sent");
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage(), c);
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  private void checkRedirectTarget(URI from, URI to) throws IOException {
    String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    String hp = to.getPort() >= 0 ? to.getHost() + ":" + to.getPort() : to.getHost();
    if (scheme.equals("http") && to.getHost() != null && security.plainHttp(hp)) {
      return;
    }
    throw new PermanentTransportException("refusing redirect from " + Redaction.url(from) + " to "
        + Redaction.url(to) + ": plain HTTP is not allowed for that host");
  }

  /** Same scheme, host (any case) and port (a default port given or not). */
  public static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()), lower(b.getHost()))
        && port(a) == port(b);
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** Reads and closes a body we do not need, so the connection can be reused. */
  public static void discard(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      byte[] buf = new byte[8192];
      long total = 0;
      int n;
      while (total < 1 << 20 && (n = in.read(buf)) >= 0) {
        total += n;
      }
    } catch (IOException e) {
      // the connection is dropped instead of reused
    }
  }

  /** Turns an unexpected response into the error to throw (the body is read, capped, and closed). */
  public RuntimeException failure(HttpResponse<InputStream> r, Call call, String summary) {
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(ErrorBody.CAP);
    } catch (IOException e) {
      body = new byte[0];
    }
    return failure(r.statusCode(), body, attempt(r, 1), call, summary);
  }

  /** Turns an unexpected whole answer into the error to throw. */
  public RuntimeException failure(Answer a, Call call, String summary) {
    return failure(a.status(), a.body(), a.attempts(), call, summary);
  }

  /** The error for an answer {@code status} with {@code body} (a distribution error JSON, or not) after {@code attempts}. */
  public RuntimeException failure(int status, byte[] body, int attempts, Call call, String summary) {
    ErrorBody e = ErrorBody.parse(body);
    RegistryError err = new RegistryError(call.reference(), call.digest(), status, e.code(), e.message(),
        Redaction.url(call.uri()), call.method(), attempts);
    if (status == 404) {
      return new RegistryNotFoundException(summary, err);
    }
    if (status == 401) {
      return new RegistryException(summary + " (not authorised: check credentials)", err);
    }
    return new RegistryException(summary, err);
  }
}
