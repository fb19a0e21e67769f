package dev.airlock.registry;

import static dev.airlock.testing.TestImages.randomBytes;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faults a real registry will not show, against an in-process fake. Retries record their delays instead of sleeping. */
class RegistryFaultsTest {
  @TempDir Path tmp;
  FakeRegistry fake;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    fake = new FakeRegistry();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private RegistryStore store() {
    return store(RegistryOptions.anonymous());
  }

  private RegistryStore store(RegistryOptions o) {
    return RegistryStore.open(fake.hostPort(), o.withRetry(RetryPolicy.defaults().withSleeper(sleeps::add)));
  }

  @Test
  void aStagedSessionIsOnlyResumedOnTheRegistryItself() throws Exception {
    byte[] data = "staged".getBytes(StandardCharsets.UTF_8);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    try (RegistryStore s = store()) {
      assertThat(s.resume("r", blob, java.net.URI.create("http://127.0.0.2:" + fake.server.getAddress().getPort()
          + "/v2/r/blobs/uploads/x"))).isEmpty();
      s.cancel(new StagedUpload("r", blob, java.net.URI.create("http://example.invalid/v2/r/blobs/uploads/x")));
      assertThat(fake.seen).as("no request, so no credential, went to another origin").isEmpty();

      StagedUpload u = s.stage("r", blob, () -> new java.io.ByteArrayInputStream(data));
      assertThat(fake.committed).isEmpty();
      s.commit(u);
      assertThat(s.blobSize("r", blob.digest())).hasValue(data.length);
    }
  }

  /** A manifest over {@code layer} and a config ({}) the fake never checks. */
  private static byte[] manifest(Descriptor layer) {
    Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(utf8("{}")), 2);
    return Json.write(TestImages.manifest(null, config, List.of(layer), null));
  }

  @Test
  void serverErrorThenSuccessIsRetried() throws Exception {
    byte[] m = manifest(Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(new byte[1]), 1));
    fake.putManifest("app", "v1", MediaTypes.OCI_MANIFEST, m);
    AtomicInteger calls = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (path.contains("/manifests/") && calls.getAndIncrement() == 0) {
        FakeRegistry.send(ex, 500, "text/plain", "boom".getBytes());
        return true;
      }
      return false;
    };
    assertThat(store().getManifest("app", "v1").digest()).isEqualTo(Digest.sha256(m));
    assertThat(calls.get()).isEqualTo(2);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void tooManyRequestsHonoursRetryAfter() throws Exception {
    byte[] m = manifest(Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(new byte[1]), 1));
    fake.putManifest("app", "v1", MediaTypes.OCI_MANIFEST, m);
    AtomicInteger calls = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (path.contains("/manifests/") && calls.getAndIncrement() < 2) {
        ex.getResponseHeaders().add("Retry-After", "7");
        FakeRegistry.send(ex, 429, "application/json", "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\"}]}".getBytes());
        return true;
      }
      return false;
    };
    assertThat(store().getManifest("app", "v1").digest()).isEqualTo(Digest.sha256(m));
    assertThat(sleeps).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(7));
  }

  @Test
  void retriesAreBoundedAndNamedInTheError() {
    fake.fault = (ex, method, path) -> {
      if (path.contains("/manifests/")) {
        FakeRegistry.send(ex, 503, "application/json", "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"down\"}]}".getBytes());
        return true;
      }
      return false;
    };
    assertThatThrownBy(() -> store().getManifest("app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("app:v1").hasMessageContaining("HTTP 503").hasMessageContaining("UNAVAILABLE");
    assertThat(sleeps).hasSize(RetryPolicy.defaults().maxAttempts() - 1);
  }

  @Test
  void forbiddenFailsAtOnceWithTheRegistryErrorCode() {
    fake.fault = (ex, method, path) -> {
      if (path.contains("/blobs/")) {
        FakeRegistry.send(ex, 403, "application/json", "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no access\"}]}".getBytes());
        return true;
      }
      return false;
    };
    Digest d = Digest.sha256(new byte[3]);
    assertThatThrownBy(() -> store().openBlob("team/app", Descriptor.of(MediaTypes.OCI_LAYER, d, 3)))
        .isInstanceOf(RegistryException.class).hasMessageContaining("HTTP 403").hasMessageContaining("DENIED")
        .hasMessageContaining(d.toString()).hasMessageContaining("team/app");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void connectionCutMidBlobResumesWithRange() throws Exception {
    byte[] data = randomBytes(1, 300_000);
    Digest d = Digest.sha256(data);
    fake.putBlob(data);
    AtomicInteger gets = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (!path.contains("/blobs/") || !method.equals("GET")) {
        return false;
      }
      String range = ex.getRequestHeaders().getFirst("Range");
      if (gets.getAndIncrement() == 0) {
        ex.sendResponseHeaders(200, data.length);
        OutputStream out = ex.getResponseBody();
        out.write(data, 0, 100_000);
        out.flush();
        throw new java.io.IOException("cut"); // the fake drops the connection mid-body
      }
      long from = Long.parseLong(range.replace("bytes=", "").replace("-", ""));
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
      ex.sendResponseHeaders(206, data.length - from);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(data, (int) from, (int) (data.length - from));
      }
      return true;
    };
    try (InputStream in = store().openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(fake.seen).filteredOn(s -> s.range() != null).extracting(FakeRegistry.Seen::range)
        .singleElement().asString().startsWith("bytes=").isNotEqualTo("bytes=0-");
  }

  @Test
  void windowedDownloadAsksForConsecutiveRangesAndResumesACutWithANewWindow() throws Exception {
    byte[] data = randomBytes(2, 250_000);
    Digest d = Digest.sha256(data);
    fake.putBlob(data);
    AtomicInteger gets = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (!path.contains("/blobs/") || !method.equals("GET")) {
        return false;
      }
      String[] r = ex.getRequestHeaders().getFirst("Range").replace("bytes=", "").split("-", -1);
      int from = Integer.parseInt(r[0]);
      int to = r[1].isEmpty() ? data.length - 1 : Math.min(data.length - 1, Integer.parseInt(r[1]));
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
      ex.sendResponseHeaders(206, to - from + 1);
      OutputStream out = ex.getResponseBody();
      if (gets.incrementAndGet() == 2) { // the second window is cut after 30,000 of its bytes
        out.write(data, from, 30_000);
        out.flush();
        throw new java.io.IOException("cut");
      }
      out.write(data, from, to - from + 1);
      out.close();
      return true;
    };
    RegistryStore reg = store(RegistryOptions.anonymous().withDownloadWindow(100_000));
    try (InputStream in = reg.openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(fake.seen).filteredOn(s -> s.range() != null).extracting(FakeRegistry.Seen::range)
        .containsExactly("bytes=0-99999", "bytes=100000-199999", "bytes=130000-229999", "bytes=230000-249999");
  }

  @Test
  void windowedDownloadFromARegistryThatIgnoresRangesReadsTheWholeAnswer() throws Exception {
    byte[] data = randomBytes(3, 250_000);
    Digest d = Digest.sha256(data);
    fake.putBlob(data);
    fake.fault = (ex, method, path) -> {
      if (!path.contains("/blobs/") || !method.equals("GET")) {
        return false;
      }
      ex.sendResponseHeaders(200, data.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(data);
      }
      return true;
    };
    RegistryStore reg = store(RegistryOptions.anonymous().withDownloadWindow(100_000));
    try (InputStream in = reg.openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(fake.seen).filteredOn(s -> s.range() != null).extracting(FakeRegistry.Seen::range)
        .containsExactly("bytes=0-99999");
  }

  @Test
  void windowedDownloadRefusesARangeThatStartsElsewhere() throws Exception {
    byte[] data = randomBytes(5, 250_000);
    Digest d = Digest.sha256(data);
    fake.putBlob(data);
    fake.fault = (ex, method, path) -> {
      if (!path.contains("/blobs/") || !method.equals("GET")) {
        return false;
      }
      ex.getResponseHeaders().add("Content-Range", "bytes 0-99999/" + data.length); // always the first window
      ex.sendResponseHeaders(206, 100_000);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(data, 0, 100_000);
      }
      return true;
    };
    RegistryStore reg = store(RegistryOptions.anonymous().withDownloadWindow(100_000));
    try (InputStream in = reg.openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(RegistryException.class).hasMessageContaining("another range");
    }
  }

  @Test
  void blobThatStallsWithoutDisconnectingResumesAfterTheReadTimeout() throws Exception {
    byte[] data = randomBytes(4, 300_000);
    Digest d = Digest.sha256(data);
    fake.putBlob(data);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger gets = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (!path.contains("/blobs/") || !method.equals("GET")) {
        return false;
      }
      if (gets.getAndIncrement() == 0) {
        ex.sendResponseHeaders(200, data.length);
        OutputStream out = ex.getResponseBody();
        out.write(data, 0, 100_000);
        out.flush();
        try {
          release.await(30, java.util.concurrent.TimeUnit.SECONDS); // silent, connection open
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new java.io.IOException("released");
      }
      long from = Long.parseLong(ex.getRequestHeaders().getFirst("Range").replace("bytes=", "").replace("-", ""));
      ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
      ex.sendResponseHeaders(206, data.length - from);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(data, (int) from, (int) (data.length - from));
      }
      return true;
    };
    RegistryStore reg = store(RegistryOptions.anonymous().withReadTimeout(Duration.ofSeconds(1)));
    try (InputStream in = reg.openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    } finally {
      release.countDown();
    }
    assertThat(gets.get()).isEqualTo(2);
    assertThat(fake.seen).filteredOn(s -> s.range() != null).extracting(FakeRegistry.Seen::range)
        .singleElement().asString().startsWith("bytes=").isNotEqualTo("bytes=0-");
  }

  @Test
  void anUploadTheRegistryStopsReadingFailsAfterTheReadTimeoutInsteadOfHanging() throws Exception {
    // bigger than what loopback socket buffers hold, so the client's writes block once the registry stops reading
    byte[] data = randomBytes(9, 48 << 20);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(data), data.length);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger stalled = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (!method.equals("PUT") || !path.contains("/blobs/uploads/")) {
        return false;
      }
      stalled.incrementAndGet();
      ex.getRequestBody().readNBytes(64 * 1024);
      try {
        release.await(60, java.util.concurrent.TimeUnit.SECONDS); // reads no more, answers nothing, keeps the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new java.io.IOException("released");
    };
    RegistryStore reg = RegistryStore.open(fake.hostPort(), RegistryOptions.anonymous()
        .withUploadSizes(64 << 20, 64 << 20).withReadTimeout(Duration.ofSeconds(1))
        .withRetry(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), sleeps::add)));
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(40), () -> {
        assertThatThrownBy(() -> reg.putBlob("app", blob, () -> new java.io.ByteArrayInputStream(data)))
            .hasMessageContaining("took no bytes of the upload for 1 s");
      });
    } finally {
      release.countDown();
    }
    assertThat(stalled.get()).as("attempts, each given up after the read timeout").isBetween(2, 4);
    assertThat(fake.committed).isEmpty();
  }

  @Test
  void blobWithWrongBytesIsRejectedAndNothingIsStored() throws Exception {
    byte[] data = randomBytes(2, 20_000);
    byte[] evil = data.clone();
    evil[10_000] ^= 1;
    Digest d = Digest.sha256(data);
    fake.blobs.put(d.toString(), evil);
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("l"));
    RegistryStore reg = store();
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, d, data.length);
    assertThatThrownBy(() -> layout.putBlob("", blob, () -> reg.openBlob("app", blob)))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining(d.toString());
    assertThat(layout.hasBlob("", d)).isFalse();
    try (Stream<Path> s = Files.walk(layout.root().resolve("blobs"))) {
      assertThat(s.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void redirectToAnotherOriginDropsTheAuthorization() throws Exception {
    byte[] data = randomBytes(3, 5000);
    Digest d = Digest.sha256(data);
    List<String> storageAuth = new CopyOnWriteArrayList<>();
    HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext("/", ex -> {
      try (ex) {
        storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        FakeRegistry.send(ex, 200, "application/octet-stream", data);
      }
    });
    storage.start();
    try {
      fake.basicAuth = Credentials.basic("alice", "s3cret").basicHeader();
      fake.fault = (ex, method, path) -> {
        if (path.contains("/blobs/")) {
          ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort()
              + "/bucket/blob?X-Amz-Signature=abc");
          ex.sendResponseHeaders(307, -1);
          return true;
        }
        return false;
      };
      RegistryStore reg = store(RegistryOptions.anonymous().withCredentials(Credentials.basic("alice", "s3cret")));
      try (InputStream in = reg.openBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length))) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
      assertThat(storageAuth).containsExactly("null");
      assertThat(fake.seen).filteredOn(s -> s.uri().contains("/blobs/"))
          .allMatch(s -> s.authorization() != null && s.authorization().startsWith("Basic "));
    } finally {
      storage.stop(0);
    }
  }

  @Test
  void manifestOverTheCapIsRefused() {
    byte[] big = new byte[Json.MANIFEST_CAP + 10];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    fake.putManifest("app", "huge", MediaTypes.OCI_MANIFEST, big);
    assertThatThrownBy(() -> store().getManifest("app", "huge")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("limit");
  }

  @Test
  void manifestNotMatchingItsDigestIsRefused() {
    byte[] m = manifest(Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(new byte[1]), 1));
    Digest claimed = Digest.sha256("something else".getBytes());
    fake.manifests.put("app@" + claimed, m);
    fake.manifestTypes.put("app@" + claimed, MediaTypes.OCI_MANIFEST);
    assertThatThrownBy(() -> store().getManifest("app", claimed.toString()))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining(claimed.toString());
  }

  @Test
  void referrersApiIsUsedAndPaginated() throws Exception {
    Digest subject = Digest.sha256("subject".getBytes());
    Digest r1 = Digest.sha256("r1".getBytes());
    Digest r2 = Digest.sha256("r2".getBytes());
    AtomicInteger pages = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (!path.equals("/v2/team/app/referrers/" + subject)) {
        return false;
      }
      pages.incrementAndGet();
      boolean second = "page=2".equals(ex.getRequestURI().getQuery());
      Digest r = second ? r2 : r1;
      byte[] body = Json.write(TestImages.index(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, r, 100)
          .withArtifactType("application/x-" + (second ? "b" : "a")).withAnnotation("n", second ? "2" : "1"))));
      if (!second) {
        ex.getResponseHeaders().add("Link", "</v2/team/app/referrers/" + subject + "?page=2>; rel=\"next\"");
      }
      FakeRegistry.send(ex, 200, MediaTypes.OCI_INDEX, body);
      return true;
    };
    RegistryStore reg = store();
    List<Descriptor> all = reg.referrers("team/app", subject, null);
    assertThat(all).extracting(Descriptor::digest).containsExactly(r1, r2);
    assertThat(all.get(1).annotation("n")).isEqualTo("2");
    // the registry did not say it filtered: the client filters
    assertThat(reg.referrers("team/app", subject, "application/x-b")).extracting(Descriptor::digest).containsExactly(r2);
    assertThat(pages.get()).isEqualTo(4);
    assertThat(fake.seen).noneMatch(s -> s.uri().contains("/manifests/sha256-"));
  }

  @Test
  void withoutTheApiTheFallbackTagIsUsedAndRemembered() throws Exception {
    Digest subject = Digest.sha256("subject".getBytes());
    Digest r1 = Digest.sha256("r1".getBytes());
    byte[] idx = Json.write(TestImages.index(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, r1, 10)
        .withArtifactType("application/x-a"))));
    fake.putManifest("app", subject.tagForm(), MediaTypes.OCI_INDEX, idx);
    RegistryStore reg = store();
    assertThat(reg.referrers("app", subject, null)).extracting(Descriptor::digest).containsExactly(r1);
    assertThat(reg.referrers("app", subject, "application/x-other")).isEmpty();
    assertThat(fake.seen).filteredOn(s -> s.uri().contains("/referrers/")).hasSize(1);
  }
}
