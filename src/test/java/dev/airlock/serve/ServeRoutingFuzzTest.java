package dev.airlock.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.importer.SampleContent;
import dev.airlock.testing.Fuzzing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Fuzzes {@code serve}'s routing: request heads read from the fuzzer's bytes ({@link RequestHeadReader}, as
 * {@link RequestHeadFuzzTest} does) are each handed to the {@link RegistryHandler} over real content (a layout
 * with a multi-arch image, an image on another host, a Helm chart, an artifact, a cosign signature tag, OCI 1.1
 * referrers), so paths, query strings ({@code n}, {@code last}, {@code artifactType}) and headers ({@code Accept},
 * {@code Range}, {@code If-None-Match}, ...) go through the routes to the manifest, blob, tag list, catalog and
 * referrers answers. Every request must be answered (the response committed) and none may throw: a handler's
 * {@code RuntimeException} is what {@link HttpConnection} turns into a 500.
 */
class ServeRoutingFuzzTest {
  private static RegistryHandler handler;

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void routing(byte[] data) throws IOException {
    setUp();
    InputStream in = new ByteArrayInputStream(data);
    RequestHeadReader reader = new RequestHeadReader(in, millis -> {});
    for (int requests = 0; requests < 100 && reader.awaitFirstByte(1000) >= 0; requests++) {
      HttpRequestHead head;
      try {
        head = reader.read(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
      } catch (MalformedRequestException refused) {
        return; // the request-head reader's own fuzz test holds its statuses to 4xx/5xx
      }
      if (head == null) {
        return;
      }
      HttpResponse response = new HttpResponse(Channels.newChannel(OutputStream.nullOutputStream()), false);
      handler.handle(head, response);
      if (!response.committed()) {
        throw new IllegalStateException("no answer to " + head.method() + " " + head.rawPath());
      }
      if (response.status() < 200 || response.status() > 599) {
        throw new IllegalStateException("status " + response.status() + " for " + head.method() + " " + head.rawPath());
      }
    }
  }

  private static synchronized void setUp() throws IOException {
    if (handler == null) {
      Path layout = Files.createTempDirectory(Fuzzing.scratch(), "served-");
      SampleContent.write(layout);
      handler = new RegistryHandler(ServedContent.open(layout));
    }
  }
}
