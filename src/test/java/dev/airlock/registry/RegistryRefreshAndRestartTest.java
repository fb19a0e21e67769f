package dev.airlock.registry;

import static dev.airlock.testing.TestImages.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the in-process fake: a bearer token the registry stops accepting, and a chunked upload cut mid-chunk. */
class RegistryRefreshAndRestartTest {
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

  private RegistryStore store(RegistryOptions o) {
    return RegistryStore.open(fake.hostPort(), o.withRetry(RetryPolicy.defaults().withSleeper(sleeps::add)));
  }

  /** A token service at /token on the fake; the registry accepts only the token named in {@code valid}. */
  private static final class Tokens {
    final AtomicInteger issued = new AtomicInteger();
    volatile String valid;
    volatile boolean refuseAll;
  }

  private Tokens bearerTokens() {
    Tokens t = new Tokens();
    String challenge = "Bearer realm=\"" + fake.url() + "/token\",service=\"fake\"";
    fake.fault = (ex, method, path) -> {
      if (path.equals("/token")) {
        String token = "tok-" + t.issued.incrementAndGet();
        if (t.valid == null && !t.refuseAll) {
          t.valid = token;
        }
        FakeRegistry.send(ex, 200, "application/json",
            ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
        return true;
      }
      String authz = ex.getRequestHeaders().getFirst("Authorization");
      if (t.valid == null || !("Bearer " + t.valid).equals(authz)) {
        ex.getResponseHeaders().add("WWW-Authenticate", challenge + ",scope=\"repository:app:pull\"");
        FakeRegistry.send(ex, 401, "application/json",
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token expired\"}]}".getBytes());
        return true;
      }
      return false;
    };
    return t;
  }

  @Test
  void aTokenTheRegistryStopsAcceptingIsReplacedOnceAfterThe401() throws Exception {
    byte[] m = Json.write(TestImages.index(List.of()));
    fake.putManifest("app", "v1", MediaTypes.OCI_INDEX, m);
    Tokens t = bearerTokens();
    RegistryStore reg = store(RegistryOptions.anonymous());
    assertThat(reg.getManifest("app", "v1").digest()).isEqualTo(Digest.sha256(m));
    assertThat(t.issued.get()).isEqualTo(1);

    t.valid = null; // the registry no longer takes tok-1, though the client thinks it is good for 300 s
    assertThat(reg.getManifest("app", "v1").digest()).isEqualTo(Digest.sha256(m));
    assertThat(t.issued.get()).isEqualTo(2);
    List<FakeRegistry.Seen> gets = fake.seen.stream().filter(s -> s.uri().contains("/manifests/")).toList();
    assertThat(gets).extracting(FakeRegistry.Seen::authorization)
        .containsExactly("Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void a401AfterTheRefreshFailsAtOnce() {
    Tokens t = bearerTokens();
    t.refuseAll = true;
    RegistryStore reg = store(RegistryOptions.anonymous());
    assertThatThrownBy(() -> reg.getManifest("app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("app:v1").hasMessageContaining("HTTP 401").hasMessageContaining("UNAUTHORIZED")
        .hasMessageNotContaining("tok-");
    assertThat(t.issued.get()).isEqualTo(2); // the first token, and exactly one refresh
    assertThat(sleeps).isEmpty();
  }

  @Test
  void aChunkedUploadCutMidChunkRestartsAndStoresOnlyTheRightBytes() throws Exception {
    byte[] data = randomBytes(9, 100_000);
    Digest d = Digest.sha256(data);
    AtomicInteger patches = new AtomicInteger();
    fake.fault = (ex, method, path) -> {
      if (method.equals("PATCH") && patches.incrementAndGet() == 2) {
        ex.getRequestBody().readNBytes(10_000);
        throw new IOException("cut in the middle of the second chunk");
      }
      return false;
    };
    AtomicInteger opened = new AtomicInteger();
    RegistryStore reg = store(RegistryOptions.anonymous().withUploadSizes(10_000, 40_000));
    reg.putBlob("app", Descriptor.of(MediaTypes.OCI_LAYER, d, data.length), () -> {
      opened.incrementAndGet();
      return (InputStream) new ByteArrayInputStream(data);
    });
    assertThat(fake.blobs).containsOnlyKeys(d.toString());
    assertThat(fake.blobs.get(d.toString())).isEqualTo(data);
    assertThat(fake.committed).containsExactly("s2"); // the broken session was never finished
    assertThat(fake.cancelled).containsExactly("s1"); // but cancelled, so the registry drops its bytes now
    assertThat(fake.sessions).isEmpty();
    assertThat(opened.get()).isEqualTo(2);
    assertThat(patches.get()).isEqualTo(2 + 3);
    assertThat(fake.seen).filteredOn(s -> s.method().equals("PUT")).extracting(FakeRegistry.Seen::uri)
        .allMatch(u -> u.contains("/uploads/s2?"));
    assertThat(sleeps).isNotEmpty();
  }

}
