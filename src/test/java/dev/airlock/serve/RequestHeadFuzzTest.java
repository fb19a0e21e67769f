package dev.airlock.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.testing.Fuzzing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * Fuzzes what {@code serve} reads from a client before anything else: the request heads of one connection
 * ({@link RequestHeadReader}, pipelined requests, bytes arriving in pieces of any size) and the parts of a
 * head a request is routed by ({@link HttpRequestHead}, {@link ByteRange}). A head is refused only with
 * {@link MalformedRequestException}, whose status the client is told.
 */
class RequestHeadFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void requestHeads(byte[] data) throws IOException {
    // the first byte sets how many bytes each read returns (1..256): heads split anywhere
    int chunk = data.length == 0 ? 1 : (data[0] & 0xff) + 1;
    InputStream in = new ByteArrayInputStream(data, Math.min(1, data.length), Math.max(0, data.length - 1)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, chunk));
      }
    };
    RequestHeadReader reader = new RequestHeadReader(in, millis -> {});
    for (int requests = 0; requests < 1000 && reader.awaitFirstByte(1000) >= 0; requests++) {
      HttpRequestHead head;
      try {
        head = reader.read(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
      } catch (MalformedRequestException refused) {
        if (refused.status() < 400 || refused.status() > 505) {
          throw new IllegalStateException("status " + refused.status() + " for a malformed head", refused);
        }
        return;
      }
      if (head == null) {
        return;
      }
      head.keepAlive();
      head.hasBody();
      String range = head.header("range");
      if (range != null) {
        ByteRange.parse(range, 1000);
        ByteRange.parse(range, 0);
        ByteRange.parse(range, Long.MAX_VALUE);
      }
    }
  }
}
