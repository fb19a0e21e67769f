package dev.airlock.registry.http;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * A response whose body gives up after a read waits too long for bytes ({@link IdleTimeoutInputStream}); it
 * knows which attempt of its request it answers and how many body bytes were read.
 */
final class WatchedResponse implements HttpResponse<InputStream> {
  private final HttpResponse<InputStream> r;
  private final IdleTimeoutInputStream body;
  private volatile int attempt = 1;

  WatchedResponse(HttpResponse<InputStream> r, Duration idleTimeout) {
    this.r = r;
    this.body = new IdleTimeoutInputStream(r.body(), idleTimeout);
  }

  /** Which attempt of its request this answer is (1 for the first). */
  int attempt() {
    return attempt;
  }

  WatchedResponse attempt(int n) {
    this.attempt = n;
    return this;
  }

  /** Body bytes read so far. */
  long received() {
    return body.received();
  }

  @Override public int statusCode() {
    return r.statusCode();
  }

  @Override public HttpRequest request() {
    return r.request();
  }

  @Override public Optional<HttpResponse<InputStream>> previousResponse() {
    return r.previousResponse();
  }

  @Override public HttpHeaders headers() {
    return r.headers();
  }

  @Override public InputStream body() {
    return body;
  }

  @Override public Optional<SSLSession> sslSession() {
    return r.sslSession();
  }

  @Override public URI uri() {
    return r.uri();
  }

  @Override public HttpClient.Version version() {
    return r.version();
  }
}
