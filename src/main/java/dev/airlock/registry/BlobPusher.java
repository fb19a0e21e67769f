package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.PermanentTransportException;
import dev.airlock.registry.http.Redaction;
import dev.airlock.registry.http.RegistryHttp;
import dev.airlock.store.BlobSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Blob upload: cross-repository mount ({@code POST ?mount=&from=}; a 202 is an upload session to use), an
 * upload ({@link BlobUpload}: one {@code PUT} for small blobs, {@code PATCH} chunks for large ones, always
 * following the {@code Location} of the last response, surviving lost answers), staging (sent and verified,
 * committed later: {@link StagedUpload}), and what a session holds and its cancellation.
 */
final class BlobPusher {
  private final RegistryHttp http;
  private final String registry;
  private final long monolithicMax;
  private final long chunkSize;
  private final BlobPuller puller;

  BlobPusher(RegistryHttp http, String registry, long monolithicMax, long chunkSize, BlobPuller puller) {
    this.http = http;
    this.registry = registry;
    this.monolithicMax = monolithicMax;
    this.chunkSize = Math.max(1, chunkSize);
    this.puller = puller;
  }

  RegistryHttp http() {
    return http;
  }

  BlobPuller puller() {
    return puller;
  }

  long monolithicMax() {
    return monolithicMax;
  }

  long chunkSize() {
    return chunkSize;
  }

  /** The outcome of a mount request: mounted, or an upload session to continue with. */
  record MountResult(boolean mounted, URI uploadLocation) {}

  MountResult mount(String repository, Digest digest, String from) throws IOException {
    URI uri = http.uri("/v2/" + repository + "/blobs/uploads/?mount=" + enc(digest.toString()) + "&from=" + enc(from));
    Call call = new Call("POST", uri, null, () -> HttpRequest.BodyPublishers.noBody(),
        Scopes.mount(repository, from), name(repository), digest.toString());
    HttpResponse<InputStream> r = http.send(call); // a mount asked twice mounts once
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
    new BlobUpload(this, repository, blob, source).run(session, true);
  }

  /**
   * Sends every byte of {@code blob} into a new upload session, verified while it streams, and leaves
   * the session open: nothing is in the repository until {@link #commit}.
   */
  StagedUpload stage(String repository, Descriptor blob, BlobSource source) throws IOException {
    return new BlobUpload(this, repository, blob, source).run(null, false);
  }

  /**
   * A session staged earlier, if the registry still has it with all {@code blob.size()} bytes
   * ({@code GET} on the session: 204 with {@code Range: 0-<size-1>}); empty otherwise.
   */
  Optional<StagedUpload> resume(String repository, Descriptor blob, URI session) throws IOException {
    if (!RegistryHttp.sameOrigin(http.uri("/v2/"), session)) {
      return Optional.empty(); // only this registry's own sessions, so no credential goes elsewhere
    }
    Optional<Held> held = held(repository, blob, session);
    return held.filter(h -> h.bytes() == blob.size()).map(h -> new StagedUpload(repository, blob, h.location()));
  }

  /** Completes a session whose bytes are all sent: {@code PUT ?digest=} without a body. */
  void commit(StagedUpload u) throws IOException {
    if (!new BlobUpload(this, u.repository(), u.blob(), null).commit(u.location())) {
      throw new RegistryException("cannot finish blob upload: the registry no longer has the session and the blob"
          + " is not in the repository", new RegistryError(name(u.repository()), u.blob().digest().toString(), 0, null,
              null, Redaction.url(u.location()), "PUT", 0));
    }
  }

  /** Drops a staged session (best effort). */
  void cancel(StagedUpload u) {
    cancel(u.repository(), u.location());
  }

  /** How many bytes a session holds, and its current location. */
  record Held(long bytes, URI location) {}

  /**
   * {@code GET} on a session: what the registry holds in it, or empty when it no longer knows it (404, or
   * an answer that is not a session's: docker-registry 2.8 also drops a session asked with a location
   * older than its last request). A {@code Range} of {@code 0-0} is read as nothing held: it also stands for
   * one byte, and with nothing worth keeping, a new session is as good.
   */
  Optional<Held> held(String repository, Descriptor blob, URI session) throws IOException {
    Call call = new Call("GET", session, null, null, Scopes.push(repository), name(repository), blob.digest().toString());
    HttpResponse<InputStream> r = http.send(call); // asking changes nothing: safe to ask again
    RegistryHttp.discard(r);
    String range = r.headers().firstValue("Range").orElse("");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:bytes=)?0-(\\d+)$").matcher(range.trim());
    if (r.statusCode() != 204 || !m.matches()) {
      return Optional.empty();
    }
    long end = Long.parseLong(m.group(1));
    URI next;
    try {
      next = location(r, session);
    } catch (IOException e) {
      return Optional.empty();
    }
    if (!RegistryHttp.sameOrigin(http.uri("/v2/"), next)) {
      return Optional.empty();
    }
    return Optional.of(new Held(end == 0 ? 0 : end + 1, next));
  }

  /**
   * Best effort: asks the registry to drop a failed upload's bytes now (OCI distribution: DELETE on the
   * session) instead of keeping them until its purge, a week by default for docker-registry.
   */
  void cancel(String repository, URI session) {
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

  static HttpRequest.BodyPublisher streaming(InputStream in, long length) {
    return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> in), length);
  }

  static URI location(HttpResponse<?> r, URI base) throws IOException {
    String loc = r.headers().firstValue("Location").orElse(null);
    if (loc == null || loc.isBlank()) {
      throw new PermanentTransportException("registry gave no Location for the upload (" + r.statusCode() + ")");
    }
    return base.resolve(loc);
  }

  static URI withDigest(URI loc, Digest d) {
    String s = loc.toString();
    return URI.create(s + (loc.getRawQuery() == null ? "?" : "&") + "digest=" + enc(d.toString()));
  }

  String name(String repository) {
    return registry + "/" + repository;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }


}
