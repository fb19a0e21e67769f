package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.cli.ExitCodes;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real docker-registry serving HTTPS with a certificate for 127.0.0.1 under a test CA. Loopback hosts
 * get plain HTTP unless named with {@code --tls}; nothing ever falls back from one scheme to the other.
 */
class RegistryTlsRealTest {
  static final TestCertificates CERTS = certificates();
  @RegisterExtension static final RealRegistry registry =
      RealRegistry.plain().withTls(CERTS.serverCertPem, CERTS.serverKeyPem);
  @TempDir Path tmp;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  private static TestCertificates certificates() {
    try {
      return new TestCertificates(Files.createTempDirectory("airlock-tls-"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private RegistryStore store(Set<String> tls, Set<String> insecure, Path ca) {
    return RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous().withTls(Set.of(), tls, insecure, ca)
        .withRetry(RetryPolicy.defaults().withSleeper(sleeps::add)));
  }

  private Path image(String name) throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve(name));
    TestImages.tag(src, TestImages.image(src, Platform.parse("linux/amd64"), TestImages.randomLayers(11, 2)), "v1");
    return src.root();
  }

  @Test
  void loopbackWithoutFlagsIsRefusedInOneLineWithoutDowngrade() throws Exception {
    assertThat(registry.url()).startsWith("https://");
    CommandResult r = CommandResult.run("copy", "oci:" + image("src") + ":v1", registry.hostPort() + "/tls/plain:v1");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err().strip()).doesNotContain("\n").contains("speaks HTTPS").contains("--tls " + registry.hostPort());
    assertThat(registry.log()).doesNotContain("tls/plain");
  }

  @Test
  void tlsWithoutTheCaIsNotTrustedAndNotRetried() {
    RegistryStore reg = store(Set.of(registry.hostPort()), Set.of(), null);
    assertThatThrownBy(() -> reg.getManifest("tls/app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("TLS certificate of " + registry.hostPort() + " is not trusted")
        .hasMessageContaining("--ca-file");
    assertThat(sleeps).isEmpty();
  }

  @Test
  void tlsWithTheCaFilePushesAndPulls() throws Exception {
    String dst = registry.hostPort() + "/tls/app:v1";
    String[] flags = {"--tls", registry.hostPort(), "--ca-file", CERTS.caPem.toString()};
    CommandResult up = CommandResult.run(concat(new String[] {"copy", "oci:" + image("src") + ":v1", dst}, flags));
    assertThat(up.exitCode()).as(up.err()).isZero();
    Path out = tmp.resolve("out");
    CommandResult down = CommandResult.run(concat(new String[] {"copy", dst, "oci:" + out + ":v1"}, flags));
    assertThat(down.exitCode()).as(down.err()).isZero();
    RawManifest pushed = LayoutStore.open(tmp.resolve("src")).getManifest("", "v1");
    assertThat(LayoutStore.open(out).resolve("", "v1")).get().extracting(Descriptor::digest).isEqualTo(pushed.digest());
    assertThat(registry.log()).contains("PUT /v2/tls/app/manifests/v1");
  }

  @Test
  void aWrongCaFileFailsInOneLine() throws Exception {
    CommandResult r = CommandResult.run("copy", "--tls", registry.hostPort(), "--ca-file", CERTS.otherCaPem.toString(),
        "oci:" + image("src") + ":v1", registry.hostPort() + "/tls/wrong:v1");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err().strip()).doesNotContain("\n").contains("is not trusted");
  }

  @Test
  void skipVerifyForTheNamedHostWorksAndUsesHttps() throws Exception {
    RegistryStore reg = store(Set.of(), Set.of(registry.hostPort()), null);
    reg.ping();
    assertThat(reg.tags("tls/none")).isEmpty();
    assertThat(sleeps).isEmpty();
  }

  @Test
  void plainHttpAndTlsForOneHostIsRefused() {
    CommandResult r = CommandResult.run("copy", "--tls", registry.hostPort(), "--plain-http", registry.hostPort(),
        registry.hostPort() + "/tls/app:v1", "oci:" + tmp.resolve("x") + ":v1");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("choose one");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aDeferredContextVerifiesLikeTheRealOneOnceTlsIsUsed() throws Exception {
    java.net.URI v2 = java.net.URI.create(registry.url() + "/v2/");
    java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(v2).build();
    dev.airlock.registry.http.DeferredSslContext trusting = new dev.airlock.registry.http.DeferredSslContext(
        new dev.airlock.registry.http.TransportSecurity(Set.of(), Set.of(registry.hostPort()), Set.of(), CERTS.caPem)
            ::verifyingContext);
    assertThat(trusting.built()).isFalse();
    java.net.http.HttpClient ok = java.net.http.HttpClient.newBuilder().sslContext(trusting).build();
    assertThat(ok.send(get, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    assertThat(trusting.built()).isTrue();

    // the system roots do not know the test CA: the deferred default context refuses the server
    java.net.http.HttpClient system = java.net.http.HttpClient.newBuilder()
        .sslContext(dev.airlock.registry.http.DeferredSslContext.ofDefault()).build();
    assertThatThrownBy(() -> system.send(get, java.net.http.HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    // and a certificate for 127.0.0.1 does not pass for another name of the same server
    java.net.http.HttpRequest byName = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("https://localhost:" + registry.port() + "/v2/")).build();
    assertThatThrownBy(() -> ok.send(byName, java.net.http.HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }
}
