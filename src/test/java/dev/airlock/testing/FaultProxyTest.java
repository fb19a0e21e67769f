package dev.airlock.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Digest;
import dev.airlock.testing.FaultPlan.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fault proxy in front of a real docker-registry does what each fault kind says, logs it, and chooses
 * the same faults for the same seed and requests.
 */
class FaultProxyTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  static FaultProxy proxy;
  static final byte[] BLOB = TestImages.randomBytes(7, 200_000);
  static final Digest DIGEST = Digest.sha256(BLOB);
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    proxy = FaultProxy.start(registry.hostPort(), FaultPlan.none());
    // the blob, pushed straight to the registry
    HttpClient c = HttpClient.newHttpClient();
    HttpResponse<Void> post = c.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/p/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    URI loc = URI.create(registry.url()).resolve(post.headers().firstValue("Location").orElseThrow());
    HttpResponse<Void> put = c.send(HttpRequest.newBuilder(URI.create(loc + "&digest=" + DIGEST))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(BLOB)).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(put.statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    proxy.close();
  }

  private HttpResponse<byte[]> getBlob() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + proxy.hostPort() + "/v2/p/blobs/" + DIGEST))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void withoutFaultsEverythingPassesAndIsLogged() throws Exception {
    proxy.plan(FaultPlan.none());
    for (int i = 0; i < 3; i++) {
      assertThat(getBlob().body()).isEqualTo(BLOB);
    }
    assertThat(proxy.exchanges()).hasSize(3).allMatch(e -> e.fault() == null && e.status() == 200);
  }

  @Test
  void anHttpErrorIsAnsweredByTheProxy() throws Exception {
    proxy.plan(FaultPlan.of(1, Fault.HTTP_ERROR, 1.0));
    HttpResponse<byte[]> r = getBlob();
    assertThat(r.statusCode()).isIn(500, 502, 503);
    assertThat(new String(r.body())).contains("injected");
    assertThat(proxy.injected()).singleElement().satisfies(e -> assertThat(e.detail()).contains("without asking upstream"));
  }

  @Test
  void aDropCutsTheBodyAndSaysWhere() throws Exception {
    proxy.plan(FaultPlan.of(2, Fault.DROP_MID_BODY, 1.0));
    assertThatThrownBy(this::getBlob).isInstanceOf(IOException.class);
    assertThat(proxy.injected()).singleElement()
        .satisfies(e -> assertThat(e.detail()).containsPattern("body after \\d+ of 200000 bytes, then closed"));
  }

  @Test
  void aStallHoldsTheConnectionSilentThenCloses() throws Exception {
    proxy.plan(FaultPlan.of(3, Fault.STALL, 1.0).withTiming(Duration.ofMillis(700), Duration.ofMillis(50)));
    long t0 = System.nanoTime();
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://" + proxy.hostPort()
        + "/v2/p/blobs/" + DIGEST)).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (InputStream in = r.body()) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(650));
    assertThat(proxy.injected()).singleElement().satisfies(e -> assertThat(e.detail()).contains("silent for 700 ms"));
  }

  @Test
  void aLostResponseWasProcessedByTheRegistry() throws Exception {
    proxy.plan(FaultPlan.of(4, Fault.LOST_RESPONSE, 1.0));
    byte[] data = TestImages.randomBytes(8, 1000);
    Digest d = Digest.sha256(data);
    HttpResponse<Void> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(registry.url() + "/v2/p/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
    String loc = post.headers().firstValue("Location").orElseThrow()
        .replace(registry.hostPort(), proxy.hostPort());
    URI put = URI.create(loc.startsWith("http") ? loc : "http://" + proxy.hostPort() + loc);
    assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(put + "&digest=" + d))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(IOException.class);
    HttpResponse<Void> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(registry.url() + "/v2/p/blobs/" + d)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).as("the registry stored the blob whose answer was lost").isEqualTo(200);
    assertThat(proxy.injected()).singleElement().satisfies(e -> assertThat(e.detail()).contains("answered 201"));
  }

  @Test
  void aResetComesBeforeAnyAnswer() throws Exception {
    proxy.plan(FaultPlan.of(5, Fault.RESET, 1.0));
    assertThatThrownBy(this::getBlob).isInstanceOf(IOException.class);
    // the JDK client itself sends a GET once more when a reused connection closes before any answer
    assertThat(proxy.injected()).hasSizeBetween(1, 2).allSatisfy(e -> assertThat(e.status()).isZero());
  }

  @Test
  void aTrickleIsSlowButWhole() throws Exception {
    proxy.plan(FaultPlan.of(6, Fault.TRICKLE, 1.0).withTiming(Duration.ofSeconds(1), Duration.ofMillis(150)));
    long t0 = System.nanoTime();
    assertThat(getBlob().body()).isEqualTo(BLOB);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    assertThat(proxy.injected()).singleElement().satisfies(e -> assertThat(e.detail()).contains("150 ms apart"));
  }

  @Test
  void theSameSeedGivesTheSameFaultsAndAnotherSeedOthers() throws Exception {
    List<List<String>> runs = new ArrayList<>();
    for (long seed : new long[] {42, 42, 43}) {
      proxy.plan(FaultPlan.of(seed, Fault.HTTP_ERROR, 0.5));
      List<String> statuses = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        statuses.add(String.valueOf(getBlob().statusCode()));
      }
      runs.add(statuses);
      assertThat(proxy.injected()).hasSizeBetween(4, 20);
    }
    assertThat(runs.get(1)).isEqualTo(runs.get(0));
    assertThat(runs.get(2)).isNotEqualTo(runs.get(0));
  }

  @Test
  void onlyTheChosenRequestsGetFaults() throws Exception {
    proxy.plan(FaultPlan.of(7, Fault.HTTP_ERROR, 1.0).onlyFor(r -> r.method().equals("HEAD")));
    assertThat(getBlob().statusCode()).isEqualTo(200);
    HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create("http://" + proxy.hostPort() + "/v2/p/blobs/"
        + DIGEST)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isIn(500, 502, 503);
    assertThat(proxy.injected()).singleElement().satisfies(e -> assertThat(e.method()).isEqualTo("HEAD"));
  }
}
