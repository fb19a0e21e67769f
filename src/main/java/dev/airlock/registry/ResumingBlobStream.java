package dev.airlock.registry;

import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.Redaction;
import dev.airlock.registry.http.RegistryHttp;
import dev.airlock.registry.http.TransportFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A blob download that survives a cut connection: when the body fails or ends before the announced
 * size, it asks again with {@code Range: bytes=<offset>-} and carries on where it stopped (a server
 * that ignores the range has the already-read prefix skipped). Resumes are bounded by the retry policy.
 * Verification of the whole blob is the wrapping {@link dev.airlock.oci.VerifyingInputStream}'s job.
 *
 * <p>Windowed ({@link #windowed}): the blob is asked for in consecutive ranges of {@code window} bytes,
 * each a request of its own, so what the HTTP client may hold unread for a paused reader is bounded by
 * one window (a registry that answers a range with the whole blob is read in that one answer).
 */
final class ResumingBlobStream extends InputStream {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

  private final RegistryHttp http;
  private final Call call;
  private final long size;
  /** Bytes per range request; 0 for one request to the end. */
  private long window;
  private InputStream current;
  /** Where the current answer's bytes end (exclusive). */
  private long end;
  private long offset;
  private int resumes;
  private int windows;
  private boolean closed;

  private ResumingBlobStream(RegistryHttp http, Call call, long size, long window) {
    this.http = http;
    this.call = call;
    this.size = size;
    this.window = window;
  }

  /** One {@code GET} for the whole blob (ranges only to resume). */
  static ResumingBlobStream whole(RegistryHttp http, Call call, long size) throws IOException {
    ResumingBlobStream s = new ResumingBlobStream(http, call, size, 0);
    HttpResponse<InputStream> r = http.send(call);
    if (r.statusCode() != 200) {
      throw http.failure(r, call, "cannot get blob");
    }
    s.current = r.body();
    s.end = size;
    return s;
  }

  /** The blob in consecutive {@code Range} requests of {@code window} bytes. */
  static ResumingBlobStream windowed(RegistryHttp http, Call call, long size, long window) throws IOException {
    ResumingBlobStream s = new ResumingBlobStream(http, call, size, window);
    s.openRange(false, "cannot get blob");
    return s;
  }

  /** How many times the download was resumed (for tests and progress). */
  int resumes() {
    return resumes;
  }

  /** How many range requests read the blob (1 when not windowed and never resumed). */
  int requests() {
    return windows + resumes;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    while (true) {
      if (window > 0 && offset == end && offset < size) {
        closeQuietly(current); // this window is read: the next one
        openRange(false, "cannot get blob");
      }
      int n;
      try {
        n = current.read(b, off, end >= 0 ? (int) Math.min(len, Math.max(1, end - offset)) : len);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        resume(e);
        continue;
      }
      if (n < 0 && size >= 0 && offset < end) {
        resume(new IOException("connection ended after " + offset + " of " + size + " bytes"));
        continue;
      }
      if (n > 0) {
        offset += n;
      }
      return n;
    }
  }

  private void resume(IOException cause) throws IOException {
    closeQuietly(current);
    resumes++;
    if (resumes >= http.retry().maxAttempts()) {
      String what = TransportFailure.describe(cause, offset, size);
      throw http.gaveUp(call, "the download broke off " + resumes + " times, resumed with Range each time; last: "
          + what, resumes, cause);
    }
    http.retry().pause(resumes, null);
    openRange(true, "cannot resume download");
  }

  /**
   * Asks for the bytes from {@code offset}: to the end of the blob, or one window of them. A 206 must
   * start at {@code offset}; a 200 is the whole blob (its prefix skipped), read to its end from then on.
   */
  private void openRange(boolean resuming, String failure) throws IOException {
    long last = window > 0 ? Math.min(size, offset + window) - 1 : -1;
    Call ranged = call.withHeader("Range", "bytes=" + offset + "-" + (last >= 0 ? Long.toString(last) : ""));
    HttpResponse<InputStream> r = http.send(ranged);
    if (!resuming) {
      windows++;
    }
    if (r.statusCode() == 206) {
      Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
      if (!m.find() || Long.parseLong(m.group(1)) != offset || Long.parseLong(m.group(2)) < offset) {
        RegistryHttp.discard(r);
        throw new RegistryException("resumed download answered another range",
            new RegistryError(call.reference(), call.digest(), 206, null, null, Redaction.url(ranged.uri()), "GET", 1));
      }
      current = r.body();
      end = size >= 0 ? Math.min(size, Long.parseLong(m.group(2)) + 1) : Long.parseLong(m.group(2)) + 1;
    } else if (r.statusCode() == 200) {
      current = r.body();
      current.skipNBytes(offset);
      window = 0; // ranges are not honoured: the rest comes in this answer
      end = size;
    } else {
      throw http.failure(r, ranged, failure);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // already broken
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      current.close();
    }
  }
}
