package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.PermanentTransportException;
import dev.airlock.registry.http.RegistryHttp;
import dev.airlock.store.BlobSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Blob upload: cross-repository mount ({@code POST ?mount=&from=}; a 202 is an upload session to use),
 * a monolithic {@code PUT} for small blobs, and {@code PATCH} chunks streamed from one pass over the
 * source for large ones, always following the {@code Location} of the last response. The bytes sent are
 * verified while they stream; a failed upload restarts from the source, a bounded number of times. A
 * large blob can also be staged: sent and verified, and committed later ({@link StagedUpload}).
 */
final class BlobPusher {
  private final RegistryHttp http;
  private final String registry;
  private final long monolithicMax;
  private final long chunkSize;

  BlobPusher(RegistryHttp http, String registry, long monolithicMax, long chunkSize) {
    this.http = http;
    this.registry = registry;
    this.monolithicMax = monolithicMax;
    this.chunkSize = Math.max(1, chunkSize);
  }

  /** The outcome of a mount request: mounted, or an upload session to continue with. */
  record MountResult(boolean mounted, URI uploadLocation) {}

  MountResult mount(String repository, Digest digest, String from) throws IOException {
    URI uri = http.uri("/v2/" + repository + "/blobs/uploads/?mount=" + enc(digest.toString()) + "&from=" + enc(from));
    Call call = new Call("POST", uri, null, () -> HttpRequest.BodyPublishers.noBody(),
        Scopes.mount(repository, from), name(repository), digest.toString());
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() == 201) {
      return new MountResult(true, null);
    }
    if (r.statusCode() == 202) {
      return new MountResult(false, location(r, uri));
    }
    throw http.failure(r, call, "cannot mount blob from " + from);
  }

  /** Uploads {@code blob}, using {@code session} (from a refused mount) first when given. */
  void push(String repository, Descriptor blob, BlobSource source, URI session) throws IOException {
    attempts(repository, blob, session, loc -> {
      if (blob.size() <= monolithicMax) {
        monolithic(repository, blob, source, loc.get());
      } else {
        send(repository, blob, source, loc);
        commit(new StagedUpload(repository, blob, loc.get()));
      }
      return null;
    });
  }

  /**
   * Sends every byte of {@code blob} into a new upload session, verified while it streams, and leaves
   * the session open: nothing is in the repository until {@link #commit}. A failed attempt is cancelled
   * and restarted like a push.
   */
  StagedUpload stage(String repository, Descriptor blob, BlobSource source) throws IOException {
    return attempts(repository, blob, null, loc -> {
      send(repository, blob, source, loc);
      return new StagedUpload(repository, blob, loc.get());
    });
  }

  /**
   * A session staged earlier, if the registry still has it with all {@code blob.size()} bytes
   * ({@code GET} on the session: 204 with {@code Range: 0-<size-1>}); empty otherwise.
   */
  java.util.Optional<StagedUpload> resume(String repository, Descriptor blob, URI session) throws IOException {
    URI base = http.uri("/v2/");
    if (!RegistryHttp.sameOrigin(base, session)) {
      return java.util.Optional.empty(); // only this registry's own sessions, so no credential goes elsewhere
    }
    Call call = new Call("GET", session, null, null, Scopes.push(repository), name(repository), blob.digest().toString());
    HttpResponse<InputStream> r = http.sendOnce(call);
    RegistryHttp.discard(r);
    String range = r.headers().firstValue("Range").orElse("");
    if (r.statusCode() != 204 || !range.equals("0-" + (blob.size() - 1))) {
      return java.util.Optional.empty();
    }
    URI next = location(r, session);
    return RegistryHttp.sameOrigin(base, next) ? java.util.Optional.of(new StagedUpload(repository, blob, next))
        : java.util.Optional.empty();
  }

  /** Completes a session whose bytes are all sent: {@code PUT ?digest=} without a body. */
  void commit(StagedUpload u) throws IOException {
    Call done = new Call("PUT", withDigest(u.location(), u.blob().digest()),
        Map.of("Content-Type", "application/octet-stream"), () -> HttpRequest.BodyPublishers.noBody(),
        Scopes.push(u.repository()), name(u.repository()), u.blob().digest().toString());
    HttpResponse<InputStream> r = http.send(done);
    RegistryHttp.discard(r);
    if (r.statusCode() != 201) {
      throw http.failure(r, done, "cannot finish blob upload");
    }
  }

  /** Drops a staged session (best effort). */
  void cancel(StagedUpload u) {
    cancel(u.repository(), u.location());
  }

  @FunctionalInterface
  private interface Attempt<T> {
    T run(AtomicReference<URI> session) throws IOException;
  }

  /**
   * Runs {@code attempt} in a session ({@code session} first when given, else a new one each time); a
   * failed attempt's session is cancelled, and a transient failure is retried a bounded number of times.
   */
  private <T> T attempts(String repository, Descriptor blob, URI session, Attempt<T> attempt) throws IOException {
    for (int n = 1; ; n++) {
      AtomicReference<URI> loc = new AtomicReference<>(session != null && n == 1 ? session : start(repository, blob.digest()));
      try {
        return attempt.run(loc);
      } catch (RegistryException e) {
        cancel(repository, loc.get());
        boolean transientFailure = e.status() == 0 || e.status() == 429 || e.status() >= 500;
        if (!transientFailure || n >= http.retry().maxAttempts()) {
          throw e;
        }
        http.retry().pause(n, null);
      } catch (IOException | RuntimeException e) {
        cancel(repository, loc.get());
        throw e;
      }
    }
  }

  /**
   * Best effort: asks the registry to drop a failed upload's bytes now (OCI distribution: DELETE on the
   * session) instead of keeping them until its purge, a week by default for docker-registry.
   */
  private void cancel(String repository, URI session) {
    if (session == null || Thread.currentThread().isInterrupted() || !RegistryHttp.sameOrigin(http.uri("/v2/"), session)) {
      return;
    }
    try {
      Call call = new Call("DELETE", session, null, null, Scopes.push(repository), name(repository), null);
      RegistryHttp.discard(http.sendOnce(call));
    } catch (IOException | RuntimeException ignored) {
      // the registry's own purge removes the session later
    }
  }

  private URI start(String repository, Digest digest) throws IOException {
    URI uri = http.uri("/v2/" + repository + "/blobs/uploads/");
    Call call = new Call("POST", uri, null, () -> HttpRequest.BodyPublishers.noBody(), Scopes.push(repository),
        name(repository), digest.toString());
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() != 202) {
      throw http.failure(r, call, "cannot start blob upload");
    }
    return location(r, uri);
  }

  private void monolithic(String repository, Descriptor blob, BlobSource source, URI loc) throws IOException {
    Call call = new Call("PUT", withDigest(loc, blob.digest()), Map.of("Content-Type", "application/octet-stream"),
        () -> streaming(verifying(source.open(), blob, repository), blob.size()), Scopes.push(repository),
        name(repository), blob.digest().toString());
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() != 201) {
      throw http.failure(r, call, "cannot upload blob");
    }
  }

  private void send(String repository, Descriptor blob, BlobSource source, AtomicReference<URI> session)
      throws IOException {
    URI loc = session.get();
    try (InputStream in = verifying(source.open(), blob, repository)) {
      long offset = 0;
      while (offset < blob.size()) {
        long len = Math.min(chunkSize, blob.size() - offset);
        InputStream slice = new BoundedInputStream(in, len);
        AtomicBoolean used = new AtomicBoolean();
        Call call = new Call("PATCH", loc, Map.of("Content-Type", "application/octet-stream",
            "Content-Range", offset + "-" + (offset + len - 1)), () -> {
              if (used.getAndSet(true)) {
                throw new PermanentTransportException("a chunk cannot be re-sent; restarting the upload");
              }
              return streaming(slice, len);
            }, Scopes.push(repository), name(repository), blob.digest().toString());
        HttpResponse<InputStream> r = http.send(call);
        RegistryHttp.discard(r);
        if (r.statusCode() != 202 && r.statusCode() != 204) {
          throw http.failure(r, call, "cannot upload blob chunk at " + offset);
        }
        loc = location(r, loc);
        session.set(loc);
        offset += len;
      }
      if (in.read() >= 0) {
        throw new dev.airlock.oci.DigestMismatchException("blob " + blob.digest() + " size", blob.size() + " bytes", "more");
      }
    }
  }

  private static InputStream verifying(InputStream raw, Descriptor blob, String what) {
    return VerifyingInputStream.of(raw, blob.digest(), blob.size(), "blob " + blob.digest() + " for " + what);
  }

  private static HttpRequest.BodyPublisher streaming(InputStream in, long length) {
    return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in), length);
  }

  private static URI location(HttpResponse<?> r, URI base) throws IOException {
    String loc = r.headers().firstValue("Location").orElse(null);
    if (loc == null || loc.isBlank()) {
      throw new PermanentTransportException("registry gave no Location for the upload (" + r.statusCode() + ")");
    }
    return base.resolve(loc);
  }

  private static URI withDigest(URI loc, Digest d) {
    String s = loc.toString();
    return URI.create(s + (loc.getRawQuery() == null ? "?" : "&") + "digest=" + enc(d.toString()));
  }

  private String name(String repository) {
    return registry + "/" + repository;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A view of the next {@code limit} bytes of a stream; closing it does not close the stream. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      this.in = in;
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {
      // the whole stream is closed by its owner
    }
  }
}
