package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.BundleTarball;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that request a blob and never read cannot hold serve's slots against newcomers: a write blocked
 * {@link BlockingHttpServer#STALLED_WRITE_MS} while others wait closes its connection, every waiting
 * connection has its own deadline and gets a 503 when it passes; odd Range headers are ignored.
 */
class ServeSlotsTest {
  @TempDir static Path tmp;
  static byte[] big;
  static Digest bigDigest;
  static ServedContent content;
  static RegistryHandler handler;

  @BeforeAll
  static void bundle() throws IOException {
    SampleContent sample = SampleContent.write(tmp.resolve("layout"));
    big = new byte[16 * 1024 * 1024]; // more than the socket buffers of both ends hold
    new Random(22).nextBytes(big);
    bigDigest = Digest.sha256(big);
    sample.store.putBlob("", Descriptor.of("application/octet-stream", bigDigest, big.length), () -> new ByteArrayInputStream(big));
    content = ServedContent.open(BundleTarball.of(tmp.resolve("layout"), tmp.resolve("bundle.tar")));
    handler = new RegistryHandler(content);
  }

  @AfterAll
  static void close() throws IOException {
    content.close();
  }

  private static String bigPath() {
    return "/v2/library/demo/blobs/" + bigDigest;
  }

  /** Connections that ask for the big blob and never read a byte. */
  private static List<RawHttpClient> nonReaders(BlockingHttpServer server, int n) throws IOException {
    List<RawHttpClient> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new RawHttpClient(server.address(), 4096).send(RawHttpClient.get(bigPath())));
    }
    return out;
  }

  private static void closeAll(List<RawHttpClient> clients) {
    for (RawHttpClient c : clients) {
      try {
        c.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void seventyNonReadingConnectionsDoNotKeepANormalRequestFromItsAnswer() throws Exception {
    assertThat(BlockingHttpServer.SLOT_WAIT_MS).as("docs/serve: a 503 after 30 s").isEqualTo(30_000);
    assertThat(BlockingHttpServer.STALLED_WRITE_MS).isEqualTo(10_000);
    // the defaults of airlock serve: 64 connections, 10 s for a stalled write, 30 s for a slot
    try (BlockingHttpServer server = BlockingHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        RegistryServer.DEFAULT_THREADS, handler)) {
      List<RawHttpClient> stuck = nonReaders(server, 70);
      try {
        Thread.sleep(500); // all 64 slots taken, 6 waiting
        long started = System.nanoTime();
        try (RawHttpClient normal = new RawHttpClient(server.address())) {
          RawHttpClient.Response r = normal.send(RawHttpClient.get("/v2/")).read();
          long ms = (System.nanoTime() - started) / 1_000_000;
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.text()).isEqualTo("{}");
          assertThat(ms).as("answered once stalled writers were closed, before the 30 s 503").isLessThan(25_000);
          // and a normal client can still download the whole blob
          RawHttpClient.Response blob = normal.send(RawHttpClient.get(bigPath())).read();
          assertThat(Digest.sha256(blob.body())).isEqualTo(bigDigest);
        }
      } finally {
        closeAll(stuck);
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void eachWaitingConnectionGetsA503AtItsOwnDeadline() throws Exception {
    // stalled writers are never closed here (10 min), so no slot frees: every waiter must get its 503
    try (BlockingHttpServer server = BlockingHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        2, handler, HttpConnection.HEAD_TIMEOUT_MS, 1_500, 600_000)) {
      List<RawHttpClient> stuck = nonReaders(server, 2);
      List<RawHttpClient> waiters = new ArrayList<>();
      try {
        Thread.sleep(300);
        long started = System.nanoTime();
        for (int i = 0; i < 6; i++) {
          waiters.add(new RawHttpClient(server.address()).send(RawHttpClient.get("/v2/")));
        }
        for (RawHttpClient w : waiters) {
          RawHttpClient.Response r = w.read();
          assertThat(r.status()).isEqualTo(503);
          assertThat(r.header("Connection")).isEqualTo("close");
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertThat(ms).as("six waiters answered together, not one slot wait after another").isBetween(1_000L, 6_000L);
      } finally {
        closeAll(waiters);
        closeAll(stuck);
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aStalledWriterIsClosedOnlyWhenSomeoneWaits() throws Exception {
    try (BlockingHttpServer server = BlockingHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        1, handler, HttpConnection.HEAD_TIMEOUT_MS, 20_000, 1_000)) {
      List<RawHttpClient> stuck = nonReaders(server, 1);
      try {
        Thread.sleep(2_500); // stalled past 1 s, but nobody waits: it keeps its slot
        try (RawHttpClient normal = new RawHttpClient(server.address())) {
          RawHttpClient.Response r = normal.send(RawHttpClient.get("/v2/")).read();
          assertThat(r.status()).isEqualTo(200);
        }
        // the stalled one was closed: reading it gives its partial body, then the end of the stream
        RawHttpClient.Response partial = null;
        try {
          partial = stuck.get(0).read();
        } catch (IOException expected) {
          // cut in the middle of the body
        }
        assertThat(partial == null || partial.body().length < big.length)
            .as("the stalled download was cut, not completed").isTrue();
      } finally {
        closeAll(stuck);
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void rangesOtherThanOneByteRangeAreIgnoredAsRegistriesDo() throws Exception {
    try (BlockingHttpServer server = BlockingHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        4, handler); RawHttpClient c = new RawHttpClient(server.address())) {
      for (String range : List.of("bytes=0-1,5-9", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=-", "bytes = 1 - x")) {
        RawHttpClient.Response r = c.send(RawHttpClient.get(bigPath(), "Range: " + range)).read();
        assertThat(r.status()).as(range).isEqualTo(200);
        assertThat(r.header("Content-Range")).as(range).isNull();
        assertThat(Digest.sha256(r.body())).as(range).isEqualTo(bigDigest);
      }
      RawHttpClient.Response one = c.send(RawHttpClient.get(bigPath(), "Range: bytes=10-19")).read();
      assertThat(one.status()).isEqualTo(206);
      assertThat(one.body()).isEqualTo(java.util.Arrays.copyOfRange(big, 10, 20));
      RawHttpClient.Response beyond = c.send(RawHttpClient.get(bigPath(), "Range: bytes=" + big.length + "-")).read();
      assertThat(beyond.status()).isEqualTo(416);
    }
  }

  @Test
  void byteRangeParsing() {
    assertThat(ByteRange.parse("bytes=0-1,2-3", 10)).isNull();
    assertThat(ByteRange.parse("lines=0-1", 10)).isNull();
    assertThat(ByteRange.parse("bytes=x-1", 10)).isNull();
    assertThat(ByteRange.parse("bytes=5-2", 10)).isNull();
    assertThat(ByteRange.parse("bytes=2-", 10)).containsExactly(2, 9);
    assertThat(ByteRange.parse("bytes=-3", 10)).containsExactly(7, 9);
    assertThat(ByteRange.parse("bytes=2-100", 10)).containsExactly(2, 9);
    assertThat(ByteRange.parse("bytes=10-", 10)).isSameAs(ByteRange.UNSATISFIABLE);
    assertThat(ByteRange.parse("bytes=-0", 10)).isSameAs(ByteRange.UNSATISFIABLE);
  }
}
