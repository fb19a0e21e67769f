package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.registry.auth.AuthChallenge;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.registry.http.Redaction;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.registry.http.TransportSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small parsers and policies of the HTTP side. */
class HttpPiecesTest {
  @Test
  void parsesBearerChallenges() {
    AuthChallenge c = AuthChallenge.parse(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");
    assertThat(c.isBearer()).isTrue();
    assertThat(c.realm()).isEqualTo("https://auth.docker.io/token");
    assertThat(c.service()).isEqualTo("registry.docker.io");
    assertThat(c.scope()).isEqualTo("repository:library/alpine:pull");
    assertThat(AuthChallenge.parse("Basic realm=\"x\"").isBasic()).isTrue();
  }

  @Test
  void redactsSecretsInUrls() {
    String r = Redaction.url(URI.create("https://user:pw@bucket.example/blob?X-Amz-Signature=abc&x=1&token=t"));
    assertThat(r).doesNotContain("pw").doesNotContain("abc").doesNotContain("=t")
        .isEqualTo("https://bucket.example/blob?X-Amz-Signature=REDACTED&x=1&token=REDACTED");
    assertThat(Credentials.basic("u", "hunter2").toString()).doesNotContain("hunter2");
  }

  @Test
  void backoffGrowsIsBoundedAndHonoursRetryAfter() {
    RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2), null);
    assertThat(p.delay(1, null)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(p.delay(4, null)).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
    assertThat(p.delay(30, null)).isLessThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(p.delay(1, "1")).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.delay(1, "3600")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void plainHttpOnlyForNamedAndLoopbackHosts() {
    TransportSecurity s = new TransportSecurity(Set.of("reg.internal:5000"), Set.of("self.signed"), null);
    assertThat(s.plainHttp("reg.internal:5000")).isTrue();
    assertThat(s.plainHttp("reg.internal:6000")).isFalse();
    assertThat(s.plainHttp("127.0.0.5:5000")).isTrue();
    assertThat(s.plainHttp("localhost")).isTrue();
    assertThat(s.plainHttp("[::1]:5000")).isTrue();
    assertThat(s.plainHttp("ghcr.io")).isFalse();
    assertThat(s.plainHttp("127.0.0.1.evil.com")).isFalse();
    assertThat(s.skipVerify("self.signed:443")).isTrue();
    assertThat(s.skipVerify("ghcr.io")).isFalse();
  }

  @Test
  void loopbackHostsNamedForTlsUseHttpsAndConflictsAreRefused() {
    TransportSecurity s = new TransportSecurity(Set.of(), Set.of("127.0.0.1:5443", "localhost"), Set.of("[::1]:7000"), null);
    assertThat(s.plainHttp("127.0.0.1:5443")).isFalse();
    assertThat(s.plainHttp("127.0.0.1:5000")).isTrue();
    assertThat(s.plainHttp("localhost:8443")).isFalse();
    assertThat(s.plainHttp("[::1]:7000")).isFalse();
    assertThat(s.plainHttp("[::1]:7001")).isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new TransportSecurity(Set.of("Reg:5000"), Set.of("reg:5000"), Set.of(), null))
        .isInstanceOf(dev.airlock.InvalidInputException.class).hasMessageContaining("choose one");
  }
}
