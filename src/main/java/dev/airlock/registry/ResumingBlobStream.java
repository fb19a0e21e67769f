package dev.airlock.registry;

import dev.airlock.registry.http.Call;
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
 */
final class ResumingBlobStream extends InputStream {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-\\d+/(\\d+|\\*)");

  private final RegistryHttp http;
  private final Call call;
  private final long size;
  private InputStream current;
  private long offset;
  private int resumes;
  private boolean closed;

  ResumingBlobStream(RegistryHttp http, Call call, InputStream first, long size) {
    this.http = http;
    this.call = call;
    this.current = first;
    this.size = size;
  }

  /** How many times the download was resumed (for tests and progress). */
  int resumes() {
    return resumes;
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
    while (true) {
      int n;
      try {
        n = current.read(b, off, len);
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        resume(e);
        continue;
      }
      if (n < 0 && size >= 0 && offset < size) {
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
    Call ranged = call.withHeader("Range", "bytes=" + offset + "-");
    HttpResponse<InputStream> r = http.send(ranged);
    if (r.statusCode() == 206) {
      Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
      if (!m.find() || Long.parseLong(m.group(1)) != offset) {
        RegistryHttp.discard(r);
        throw new RegistryException("resumed download answered another range",
            new RegistryError(call.reference(), call.digest(), 206, null, null,
                dev.airlock.registry.http.Redaction.url(ranged.uri()), "GET", 1));
      }
      current = r.body();
    } else if (r.statusCode() == 200) {
      current = r.body();
      current.skipNBytes(offset);
    } else {
      throw http.failure(r, ranged, "cannot resume download");
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
