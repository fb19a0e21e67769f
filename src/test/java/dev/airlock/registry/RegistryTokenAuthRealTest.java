package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.registry.auth.Credentials;
import dev.airlock.testing.RealRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The bearer-token flow against a real docker-registry trusting our token issuer (ES256 JWT, x5c chain). */
class RegistryTokenAuthRealTest {
  @RegisterExtension static final RealRegistry registry = RealRegistry.plain().withAuth(AuthFixtures.ISSUER.authYaml());
  @TempDir Path tmp;

  @Test
  void bearerTokenFlowWithScopesAndCache() throws Exception {
    AuthFixtures.ISSUER.requests.clear();
    AuthFixtures.roundTrip(registry, RegistryOptions.anonymous().withCredentials(Credentials.basic("alice", "s3cret")), tmp, "tok/app");
    assertThat(AuthFixtures.ISSUER.requests).anyMatch(q -> q.contains("service=" + TestTokenIssuer.SERVICE)
        && q.contains("scope=repository:tok/app:pull,push"));
    assertThat(AuthFixtures.ISSUER.requests).anyMatch(q -> q.contains("scope=repository:tok/app:pull") && !q.contains("push"));
    // one token per scope set and store, however many blobs moved
    assertThat(AuthFixtures.ISSUER.requests.size()).isLessThanOrEqualTo(4);
    assertThat(registry.log()).contains("tok/app");
  }

  @Test
  void anonymousIsRefusedWithAClearError() {
    RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
    assertThatThrownBy(() -> reg.getManifest("tok/app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("token service refused").hasMessageContaining("401");
  }
}
