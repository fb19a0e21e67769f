package dev.airlock.registry;

import static dev.airlock.testing.TestImages.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.testing.FaultPlan;
import dev.airlock.testing.FaultPlan.Fault;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RealRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How an upload recovers from one fault, against a real docker-registry 2.8 behind a {@link FaultProxy}:
 * a request into a session is never blindly sent again; the registry is asked where it stands first.
 */
class UploadRecoveryTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  FaultProxy proxy;

  @BeforeEach
  void start() throws Exception {
    proxy = FaultProxy.start(registry.hostPort(), FaultPlan.none());
  }

  @AfterEach
  void stop() {
    proxy.close();
  }

  private RegistryStore store(long monolithicMax, long chunk) {
    return RegistryStore.open(proxy.hostPort(), RegistryOptions.anonymous().withUploadSizes(monolithicMax, chunk)
        .withReadTimeout(Duration.ofSeconds(2))
        .withRetry(new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(20), null)));
  }

  /** Only the first request {@code p} accepts gets {@code fault}. */
  private void once(Fault fault, Predicate<FaultProxy.Request> p) {
    AtomicInteger n = new AtomicInteger();
    proxy.plan(FaultPlan.of(1, fault, 1.0).withTiming(Duration.ofMillis(2500), Duration.ofMillis(50))
        .onlyFor(r -> p.test(r) && n.getAndIncrement() == 0));
  }

  private static Predicate<FaultProxy.Request> is(String method, String pathPart) {
    return r -> r.method().equals(method) && r.target().contains(pathPart);
  }

  private List<String> requests() {
    return proxy.exchanges().stream().map(e -> e.method() + " " + e.target().replaceAll("\\?.*", "")
        .replaceAll("uploads/[^/]+$", "uploads/ID")).filter(r -> !r.equals("GET /v2/")).toList();
  }

  private static void assertHolds(String repo, Descriptor blob, byte[] data) throws Exception {
    try (RegistryStore direct = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
        InputStream in = direct.openBlob(repo, blob)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void aLostAnswerToTheUploadIsCheckedWithHeadInsteadOfSentIntoTheUsedSession() throws Exception {
    byte[] data = randomBytes(1, 50_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    once(Fault.LOST_RESPONSE, is("PUT", "/blobs/uploads/"));
    store(1 << 20, 1 << 20).putBlob("lost/put", blob, () -> new ByteArrayInputStream(data));
    assertThat(requests()).containsExactly("HEAD /v2/lost/put/blobs/" + blob.digest(),
        "POST /v2/lost/put/blobs/uploads/", "PUT /v2/lost/put/blobs/uploads/ID", "HEAD /v2/lost/put/blobs/" + blob.digest());
    assertHolds("lost/put", blob, data);
  }

  @Test
  void aLostAnswerToTheCommitOfAStagedUploadIsCheckedWithHead() throws Exception {
    byte[] data = randomBytes(2, 300_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    RegistryStore s = store(1 << 20, 1 << 20);
    StagedUpload u = s.stage("lost/commit", blob, () -> new ByteArrayInputStream(data));
    once(Fault.STALL, is("PUT", "digest="));
    s.commit(u);
    assertThat(proxy.exchanges()).filteredOn(e -> e.method().equals("PUT")).hasSize(1)
        .allSatisfy(e -> assertThat(e.fault()).isEqualTo(Fault.STALL));
    assertHolds("lost/commit", blob, data);
  }

  @Test
  void aChunkTheRegistryNeverSawIsSentAgainInTheSameSession() throws Exception {
    byte[] data = randomBytes(3, 250_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    once(Fault.HTTP_ERROR, r -> r.method().equals("PATCH") && "100000-199999".equals(r.headers().get("content-range")));
    store(10_000, 100_000).putBlob("unseen/chunk", blob, () -> new ByteArrayInputStream(data));
    assertThat(requests()).containsExactly("HEAD /v2/unseen/chunk/blobs/" + blob.digest(),
        "POST /v2/unseen/chunk/blobs/uploads/", "PATCH /v2/unseen/chunk/blobs/uploads/ID",
        "PATCH /v2/unseen/chunk/blobs/uploads/ID", "GET /v2/unseen/chunk/blobs/uploads/ID",
        "PATCH /v2/unseen/chunk/blobs/uploads/ID", "PATCH /v2/unseen/chunk/blobs/uploads/ID",
        "PUT /v2/unseen/chunk/blobs/uploads/ID");
    assertHolds("unseen/chunk", blob, data);
  }

  @Test
  void aChunkWhoseAnswerWasLostStartsANewSessionWhenTheRegistryDropsTheOld() throws Exception {
    byte[] data = randomBytes(4, 250_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    once(Fault.LOST_RESPONSE, r -> r.method().equals("PATCH") && "100000-199999".equals(r.headers().get("content-range")));
    store(10_000, 100_000).putBlob("lost/chunk", blob, () -> new ByteArrayInputStream(data));
    // docker-registry 2.8 drops a session asked about with a location older than its last request
    assertThat(requests()).containsSubsequence("PATCH /v2/lost/chunk/blobs/uploads/ID",
        "GET /v2/lost/chunk/blobs/uploads/ID", "POST /v2/lost/chunk/blobs/uploads/",
        "PATCH /v2/lost/chunk/blobs/uploads/ID", "PUT /v2/lost/chunk/blobs/uploads/ID");
    assertThat(requests()).filteredOn(r -> r.startsWith("POST")).hasSize(2);
    assertHolds("lost/chunk", blob, data);
  }

  @Test
  void aTrickleSlowerInAllThanTheReadTimeoutIsNotAFault() throws Exception {
    byte[] data = randomBytes(5, 100_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    try (RegistryStore direct = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      direct.putBlob("slow/blob", blob, () -> new ByteArrayInputStream(data));
    }
    // pauses of 0.4 s, 5 of them in the body: 2 s in all, against a read timeout of 1 s
    proxy.plan(new FaultPlan(1, java.util.Map.of(Fault.TRICKLE, 1.0), r -> r.method().equals("GET"),
        Duration.ofSeconds(5), Duration.ofMillis(400), 6));
    RegistryStore s = RegistryStore.open(proxy.hostPort(), RegistryOptions.anonymous()
        .withReadTimeout(Duration.ofSeconds(1)).withRetry(new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(20), null)));
    long t0 = System.nanoTime();
    try (InputStream in = s.openBlob("slow/blob", blob)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofSeconds(2));
    assertThat(proxy.exchanges()).filteredOn(e -> e.method().equals("GET") && e.target().contains("/blobs/"))
        .as("one GET, never cut short").hasSize(1);
  }
}
