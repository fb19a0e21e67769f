package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.ErrorBody;
import dev.airlock.registry.http.PermanentTransportException;
import dev.airlock.registry.http.RegistryHttp;
import dev.airlock.registry.http.TransportFailure;
import dev.airlock.store.BlobSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One blob's upload into a session: a monolithic {@code PUT}, or {@code PATCH} chunks streamed from one
 * pass over the source (verified as they go) and a {@code PUT ?digest=} commit, or chunks left staged.
 *
 * <p>A request into a session is never simply sent again, since the registry may have processed it and
 * lost only the answer. After a failed one the registry is asked where it stands: {@code HEAD} on the blob
 * (the upload was completed: done) and, for a chunk, {@code GET} on the session (the bytes it holds: go on
 * from there, reading the source again up to that point, or, when the session is gone, start a new one from
 * the first byte). Failures are counted per request (the chunk starting at a given offset, the commit): a
 * request that has failed {@code maxAttempts} times ends the upload with one line naming it
 * (docs/registry.md, "Retries").
 */
final class BlobUpload {
  private final BlobPusher pusher;
  private final RegistryHttp http;
  private final String repository;
  private final Descriptor blob;
  private final BlobSource source;
  private final Map<String, Integer> failures = new HashMap<>();
  private int total;
  /** The session as the registry last named it: what a cancel must use (docker-registry 2.8 wants the latest). */
  private URI current;

  BlobUpload(BlobPusher pusher, String repository, Descriptor blob, BlobSource source) {
    this.pusher = pusher;
    this.http = pusher.http();
    this.repository = repository;
    this.blob = blob;
    this.source = source;
  }

  /** Sends the blob (into {@code session} first when given) and commits it, or leaves it staged. */
  StagedUpload run(URI session, boolean commit) throws IOException {
    current = session;
    while (true) {
      if (current == null) {
        current = start();
      }
      URI loc = current;
      try {
        if (commit && blob.size() <= pusher.monolithicMax()) {
          monolithic(loc);
          return null;
        }
        loc = chunks();
        if (!commit) {
          return new StagedUpload(repository, blob, loc);
        }
        if (commit(loc)) {
          return null;
        }
        throw new SessionGone();
      } catch (SessionGone e) {
        pusher.cancel(repository, current); // best effort: it may be gone already
        current = null;
      } catch (IOException | RuntimeException e) {
        pusher.cancel(repository, current);
        throw e;
      }
    }
  }

  private URI start() throws IOException {
    URI uri = http.uri("/v2/" + repository + "/blobs/uploads/");
    Call call = new Call("POST", uri, null, () -> HttpRequest.BodyPublishers.noBody(), Scopes.push(repository),
        pusher.name(repository), blob.digest().toString());
    // sent again when its answer is lost: the session that answer named is left to the registry's purge
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() != 202) {
      throw http.failure(r, call, "cannot start blob upload");
    }
    return BlobPusher.location(r, uri);
  }

  /** One {@code PUT ?digest=} with the whole blob. */
  private void monolithic(URI loc) throws IOException, SessionGone {
    Call call = new Call("PUT", BlobPusher.withDigest(loc, blob.digest()), Map.of("Content-Type", "application/octet-stream"),
        () -> BlobPusher.streaming(verifying(source.open()), blob.size()), Scopes.push(repository), pusher.name(repository),
        blob.digest().toString());
    Failure f = attempt(call, 201);
    if (f == null) {
      return;
    }
    failed("upload", f);
    if (present()) {
      return; // the registry has it: the answer was lost
    }
    throw new SessionGone(); // where it stands is unknown: a new session, from the first byte
  }

  /** The {@code PATCH} chunks from the first byte; the session's location after the last. */
  private URI chunks() throws IOException, SessionGone {
    URI loc = current;
    InputStream in = verifying(source.open());
    long read = 0; // how far the source has been read
    long offset = 0; // how far the registry has the bytes
    try {
      while (offset < blob.size()) {
        if (read != offset) { // the registry has fewer bytes than were read: read the source again up to them
          in.close();
          in = verifying(source.open());
          in.skipNBytes(offset); // hashed as it goes, like every byte sent
          read = offset;
        }
        long len = Math.min(pusher.chunkSize(), blob.size() - offset);
        BoundedInputStream slice = new BoundedInputStream(in, len);
        AtomicBoolean used = new AtomicBoolean();
        Call call = new Call("PATCH", loc, Map.of("Content-Type", "application/octet-stream",
            "Content-Range", offset + "-" + (offset + len - 1)), () -> {
              if (used.getAndSet(true)) {
                throw new PermanentTransportException("a chunk cannot be re-sent from the same stream");
              }
              return BlobPusher.streaming(slice, len);
            }, Scopes.push(repository), pusher.name(repository), blob.digest().toString());
        HttpResponse<InputStream> r;
        Failure f;
        try {
          r = http.sendOnce(call);
          f = r.statusCode() == 202 || r.statusCode() == 204 ? null : Failure.of(r, call);
        } catch (DigestMismatchException e) {
          throw e;
        } catch (IOException e) {
          r = null;
          f = Failure.of(e, call);
        }
        read = offset + len - slice.left();
        if (f == null) {
          RegistryHttp.discard(r);
          loc = BlobPusher.location(r, loc);
          current = loc;
          offset += len;
          continue;
        }
        failed("upload chunk at " + offset, f);
        BlobPusher.Held held = pusher.held(repository, blob, loc).orElse(null);
        if (held == null || held.bytes() == 0 || held.bytes() > read) {
          throw new SessionGone();
        }
        loc = held.location();
        current = loc;
        offset = held.bytes(); // all of the chunk (its answer was lost), some or none of it
      }
      if (in.read() >= 0) {
        throw new DigestMismatchException("blob " + blob.digest() + " size", blob.size() + " bytes", "more");
      }
      return loc;
    } finally {
      in.close();
    }
  }

  /**
   * {@code PUT ?digest=} without a body. After a failure, a blob the repository now has was committed (the
   * answer was lost); otherwise the same request is sent again while the session stands. False when the
   * registry no longer has the session and the repository does not have the blob.
   */
  boolean commit(URI loc) throws IOException {
    Call call = new Call("PUT", BlobPusher.withDigest(loc, blob.digest()), Map.of("Content-Type", "application/octet-stream"),
        () -> HttpRequest.BodyPublishers.noBody(), Scopes.push(repository), pusher.name(repository), blob.digest().toString());
    while (true) {
      Failure f = attempt(call, 201);
      if (f == null) {
        return true;
      }
      failed("finish blob upload", f);
      if (present()) {
        return true;
      }
      if (f.status() == 404 || f.status() == 400 || f.status() == 416) {
        return false;
      }
    }
  }

  /** Sends {@code call} once: null when it answered {@code ok}, else what it came to. */
  private Failure attempt(Call call, int ok) throws IOException {
    try {
      HttpResponse<InputStream> r = http.sendOnce(call);
      if (r.statusCode() == ok) {
        RegistryHttp.discard(r);
        return null;
      }
      return Failure.of(r, call);
    } catch (DigestMismatchException e) {
      throw e;
    } catch (IOException e) {
      return Failure.of(e, call);
    }
  }

  /**
   * Counts a failure of the request {@code step}: it ends the upload when it cannot heal (a 403, say) or
   * when that request has had its attempts; else waits before the next.
   */
  private void failed(String step, Failure f) throws IOException {
    if (!f.retryable()) {
      if (f.transport() != null) {
        throw f.transport();
      }
      throw http.failure(f.status(), f.body(), 1, f.call(), "cannot " + step);
    }
    int n = failures.merge(step, 1, Integer::sum);
    total++;
    int max = http.retry().maxAttempts();
    if (n >= max || total >= max * (2 + blob.size() / pusher.chunkSize())) {
      if (f.transport() != null) {
        throw http.gaveUp(f.call(), "cannot " + step + ": " + f.what(), n, f.transport());
      }
      throw http.failure(f.status(), f.body(), n, f.call(), "cannot " + step);
    }
    http.retry().pause(n, null);
  }

  /** Whether the repository has the blob, with its size (asked with HEAD, retried like any). */
  private boolean present() throws IOException {
    OptionalLong size = pusher.puller().size(repository, blob.digest());
    return size.isPresent() && size.getAsLong() == blob.size();
  }

  private InputStream verifying(InputStream raw) {
    return VerifyingInputStream.of(raw, blob.digest(), blob.size(), "blob " + blob.digest() + " for " + repository);
  }

/** The session the registry can no longer continue: the upload starts again in a new one. */
static final class SessionGone extends Exception {
  SessionGone() {
    super(null, null, false, false);
  }
}

/** What a request into a session came to, when it did not succeed: an answer, or a broken connection. */
private record Failure(int status, String code, byte[] body, IOException transport, Call call) {
  static Failure of(IOException e, Call call) {
    return new Failure(0, null, new byte[0], e, call);
  }

  static Failure of(HttpResponse<InputStream> r, Call call) {
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(ErrorBody.CAP);
    } catch (IOException e) {
      body = new byte[0];
    }
    return new Failure(r.statusCode(), ErrorBody.parse(body).code(), body, null, call);
  }

  /**
   * Whether another attempt may go through: a broken connection, 429 and 5xx, an unknown or invalid session
   * (404, 416, {@code BLOB_UPLOAD_*}), and bytes the registry says do not match the digest (they were hashed
   * to it here, so they changed on the way).
   */
  boolean retryable() {
    if (transport != null) {
      return !(transport instanceof InterruptedIOException) && !(transport instanceof PermanentTransportException);
    }
    return RegistryHttp.retryableStatus(status) || status == 404 || status == 416
        || (status == 400 && code != null && (code.startsWith("BLOB_UPLOAD") || code.equals("DIGEST_INVALID")
            || code.equals("SIZE_INVALID")));
  }

  String what() {
    return transport != null ? TransportFailure.describe(transport, -1, -1)
        : "HTTP " + status + (code != null ? " " + code : "");
  }
}

/** A view of the next {@code limit} bytes of a stream; closing it does not close the stream. */
private static final class BoundedInputStream extends InputStream {
  private final InputStream in;
  private long left;

  BoundedInputStream(InputStream in, long limit) {
    this.in = in;
    this.left = limit;
  }

  /** Bytes of the view not read yet. */
  long left() {
    return left;
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
