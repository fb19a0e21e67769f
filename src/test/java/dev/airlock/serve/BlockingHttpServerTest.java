package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.BundleTarball;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/1.1 server itself, on raw sockets, serving a bundle tarball. */
class BlockingHttpServerTest {
  /** Far longer than {@link RawHttpClient#READ_TIMEOUT_MS}: an answer read at all did not wait for it. */
  static final int NEVER_MS = 600_000;

  @TempDir static Path tmp;
  static SampleContent sample;
  static byte[] big;
  static Digest bigDigest;
  static ServedContent content;
  static RegistryHandler handler;

  @BeforeAll
  static void bundle() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    big = new byte[8 * 1024 * 1024 + 13]; // more than the socket buffers of both ends hold
    new Random(7).nextBytes(big);
    bigDigest = Digest.sha256(big);
    sample.store.putBlob("", Descriptor.of("application/octet-stream", bigDigest, big.length), () -> new ByteArrayInputStream(big));
    content = ServedContent.open(BundleTarball.of(tmp.resolve("layout"), tmp.resolve("bundle.tar")));
    handler = new RegistryHandler(content);
  }

  @AfterAll
  static void close() throws IOException {
    content.close();
  }

  static BlockingHttpServer server(int maxConnections, int headTimeoutMs) throws IOException {
    return BlockingHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), maxConnections, handler,
        headTimeoutMs);
  }

  static String bigPath() {
    return "/v2/library/demo/blobs/" + bigDigest;
  }

  @Test
  void aTlsHelloGetsThePlainHttp400WithoutWaitingForTheHeadTimeout() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS); RawHttpClient c = new RawHttpClient(server.address())) {
      c.send(new byte[] {0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03});
      String answer = new String(c.in.readAllBytes(), StandardCharsets.US_ASCII); // to the server's close
      assertThat(answer).startsWith("HTTP/1.0 400 Bad Request\r\n").endsWith("this registry speaks plain HTTP, not TLS\n");
    }
  }

  @Test
  void aLoopbackConnectionCopiesThroughOneBufferAndGivesItBackWhenItCloses() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS)) {
      CopyBuffers buffers = server.copyBuffers();
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        for (int i = 0; i < 2; i++) {
          assertThat(Digest.sha256(c.send(RawHttpClient.get(bigPath())).read().body())).isEqualTo(bigDigest);
        }
        assertThat(buffers.allocated()).as("one buffer for the connection, reused").isEqualTo(1);
        assertThat(buffers.free()).isZero();
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (buffers.free() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(buffers.free()).as("given back once the client closed").isEqualTo(1);
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        assertThat(Digest.sha256(c.send(RawHttpClient.get(bigPath())).read().body())).isEqualTo(bigDigest);
      }
      assertThat(buffers.allocated()).as("the next connection takes the same one").isEqualTo(1);
    }
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneSocketPipelinedOrNot() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS); RawHttpClient c = new RawHttpClient(server.address())) {
      RawHttpClient.Response ping = c.send(RawHttpClient.get("/v2/")).read();
      assertThat(ping.status()).isEqualTo(200);
      assertThat(ping.text()).isEqualTo("{}");
      assertThat(ping.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
      RawHttpClient.Response blob = c.send(RawHttpClient.get(bigPath())).read();
      assertThat(Digest.sha256(blob.body())).isEqualTo(bigDigest);
      assertThat(blob.header("Docker-Content-Digest")).isEqualTo(bigDigest.toString());
      c.send(RawHttpClient.get("/v2/library/demo/blobs/" + sample.sharedLayer) + RawHttpClient.get("/v2/_catalog"));
      assertThat(Digest.sha256(c.read().body())).isEqualTo(sample.sharedLayer);
      assertThat(c.read().text()).contains("\"library/demo\"");
    }
  }

  @Test
  void headSendsTheHeadersOnly() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS); RawHttpClient c = new RawHttpClient(server.address())) {
      // the GET right behind the HEAD must be the next thing on the wire
      c.send(RawHttpClient.request("HEAD", bigPath()) + RawHttpClient.get("/v2/"));
      RawHttpClient.Response head = c.read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(big.length));
      RawHttpClient.Response next = c.read();
      assertThat(next.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(next.text()).isEqualTo("{}");
    }
  }

  @Test
  void rangesAreSlicesOfTheBlobInsideTheTarball() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS); RawHttpClient c = new RawHttpClient(server.address())) {
      RawHttpClient.Response mid = c.send(RawHttpClient.get(bigPath(), "Range: bytes=1000-2999999")).read();
      assertThat(mid.status()).isEqualTo(206);
      assertThat(mid.header("Content-Range")).isEqualTo("bytes 1000-2999999/" + big.length);
      assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(big, 1000, 3_000_000));
      RawHttpClient.Response tail = c.send(RawHttpClient.get(bigPath(), "Range: bytes=-7")).read();
      assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(big, big.length - 7, big.length));
      RawHttpClient.Response beyond = c.send(RawHttpClient.get(bigPath(), "Range: bytes=" + big.length + "-")).read();
      assertThat(beyond.status()).isEqualTo(416);
      assertThat(beyond.header("Content-Range")).isEqualTo("bytes */" + big.length);
    }
  }

  @Test
  void oversizedHeadsAreRefused() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS)) {
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        RawHttpClient.Response r = c.send(RawHttpClient.get("/v2/", "X-Big: " + "a".repeat(40_000))).read();
        assertThat(r.status()).isEqualTo(431);
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        RawHttpClient.Response r = c.send(RawHttpClient.get("/v2/" + "a".repeat(10_000))).read();
        assertThat(r.status()).isEqualTo(414);
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        StringBuilder many = new StringBuilder("GET /v2/ HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 200; i++) {
          many.append("X-").append(i).append(": y\r\n");
        }
        assertThat(c.send(many.append("\r\n").toString()).read().status()).isEqualTo(431);
      }
    }
  }

  @Test
  void malformedHeadsAre400And505() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS)) {
      for (String[] bad : new String[][] {{"GET /v2/ HTTP/1.1\r\n\r\n", "400"}, {"GET /v2/ HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
          {"GET http://x/v2/ HTTP/1.1\r\nHost: x\r\n\r\n", "400"}, {"GET /v2/ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "400"},
          {"GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400"}}) {
        try (RawHttpClient c = new RawHttpClient(server.address())) {
          assertThat(c.send(bad[0]).read().status()).as(bad[0]).isEqualTo(Integer.parseInt(bad[1]));
          assertThat(c.closedByServer()).isTrue();
        }
      }
    }
  }

  @Test
  void writesAre405WithAnOciErrorAndABodyClosesTheConnection() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS)) {
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        RawHttpClient.Response r = c.send(RawHttpClient.request("POST", "/v2/library/demo/blobs/uploads/",
            "Content-Length: 5") + "hello").read();
        assertThat(r.status()).isEqualTo(405);
        assertThat(Json.tree(r.body(), "error").path("errors").path(0).path("code").asText()).isEqualTo("UNSUPPORTED");
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) { // no body: the connection stays
        assertThat(c.send(RawHttpClient.request("DELETE", "/v2/library/demo/manifests/1.0")).read().status()).isEqualTo(405);
        assertThat(c.send(RawHttpClient.get("/v2/")).read().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void connectionCloseAndHttp10AreHonoured() throws Exception {
    try (BlockingHttpServer server = server(4, NEVER_MS)) {
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        RawHttpClient.Response r = c.send(RawHttpClient.get("/v2/", "Connection: close")).read();
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        RawHttpClient.Response r = c.send("GET /v2/ HTTP/1.0\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        c.send("GET /v2/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
        assertThat(c.send("GET /v2/_catalog HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void stalledHeadsAreClosed() throws Exception {
    try (BlockingHttpServer server = server(4, 300)) {
      try (RawHttpClient c = new RawHttpClient(server.address())) {
        c.send("GET /v2/ HTTP/1.1\r\nHost: x\r\n"); // and nothing more
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttpClient c = new RawHttpClient(server.address())) { // nothing at all
        assertThat(c.closedByServer()).isTrue();
      }
    }
  }

  @Test
  void aSlowReaderStillGetsTheWholeBlob() throws Exception {
    try (BlockingHttpServer server = server(4, 200); RawHttpClient c = new RawHttpClient(server.address(), 16 * 1024)) {
      c.send(RawHttpClient.get(bigPath()));
      Thread.sleep(1_000); // several head timeouts while the server is blocked in the middle of the body
      RawHttpClient.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(Digest.sha256(r.body())).isEqualTo(bigDigest);
    }
  }

  @Test
  void aFullServerClosesIdleConnectionsToMakeRoom() throws Exception {
    try (BlockingHttpServer server = server(2, NEVER_MS); RawHttpClient a = new RawHttpClient(server.address());
        RawHttpClient b = new RawHttpClient(server.address()); RawHttpClient c = new RawHttpClient(server.address())) {
      assertThat(a.send(RawHttpClient.get("/v2/")).read().status()).isEqualTo(200);
      assertThat(b.send(RawHttpClient.get("/v2/")).read().status()).isEqualTo(200);
      assertThat(c.send(RawHttpClient.get("/v2/")).read().status()).isEqualTo(200);
    }
  }

  @Test
  void closingTheServerClosesOpenConnections() throws Exception {
    BlockingHttpServer server = server(4, NEVER_MS);
    try (RawHttpClient c = new RawHttpClient(server.address())) {
      assertThat(c.send(RawHttpClient.get("/v2/")).read().status()).isEqualTo(200);
      server.close();
      assertThat(c.closedByServer()).isTrue();
    }
  }
}
