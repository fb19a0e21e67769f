package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.Containerd;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --token-auth over TLS (a test CA's certificate for 127.0.0.1): the challenge's realm is
 * {@code https://}, and real clients that trust the CA log in through the token endpoint and pull: skopeo
 * ({@code --cert-dir --creds}), podman ({@code login --cert-dir}, {@code pull --cert-dir}), helm
 * ({@code registry login --ca-file}, {@code pull --ca-file}), containerd ({@code ctr content fetch --user}
 * with a hosts.toml naming the CA). Each is refused with a wrong password; no log line holds a password.
 */
class ServeTokenAuthTlsTest {
  static final String USER = "puller";
  static final String PASSWORD = "Tls-token-pass-9";

  @TempDir static Path tmp;
  static SampleContent sample;
  static TestCa ca;
  static ServeTls tls;
  static RegistryServer server;
  static final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Path htpasswd = tmp.resolve("htpasswd");
    StringBuilder users = new StringBuilder(USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n");
    for (String u : List.of("skopeo", "podman", "helm", "ctr")) {
      users.append(u).append(':').append(OpenBSDBCrypt.generate("2y", (u + "-pw").toCharArray(), salt, 5)).append('\n');
    }
    Files.writeString(htpasswd, users.toString());
    ca = TestCa.create("airlock token test CA");
    Path cert = tmp.resolve("server.crt");
    Path key = tmp.resolve("server.key");
    TestCa.write(ca.leaf("serve-token", false), cert, key, false);
    tls = ServeTls.load(cert, key, null);
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8, false,
        Htpasswd.read(htpasswd), TokenAuth.defaults(), tls, null, log::add);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    tls.close();
    assertThat(log).noneMatch(l -> l.contains(PASSWORD) || l.contains("guess") || l.contains("eyJ"));
  }

  @Test
  void theRealmIsHttpsAndATokenFromItPulls() throws Exception {
    HttpClient http = ca.httpClient();
    String base = "https://" + server.hostPort();
    HttpResponse<byte[]> challenge = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + "ghcr.io/acme/tools/app"
        + "/manifests/2.0")).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(challenge.statusCode()).isEqualTo(401);
    assertThat(challenge.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"" + base
        + "/token\",service=\"airlock\",scope=\"repository:ghcr.io/acme/tools/app:pull\"");
    HttpResponse<byte[]> t = http.send(HttpRequest.newBuilder(URI.create(base + "/token?service=airlock&scope="
        + URLEncoder.encode("repository:ghcr.io/acme/tools/app:pull", StandardCharsets.UTF_8)))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD)
            .getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(t.statusCode()).isEqualTo(200);
    String token = Json.tree(t.body(), "token").path("token").asText();
    HttpResponse<byte[]> m = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/ghcr.io/acme/tools/app/manifests/2.0"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(m.body())).isEqualTo(sample.app);
  }

  @Test
  void withTlsTokenAuthMayServeOtherMachines() throws Exception {
    RegistryServer remote = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "0.0.0.0:0", true, 2, false,
        Htpasswd.read(tmp.resolve("htpasswd")), TokenAuth.defaults(), tls, null, l -> { });
    try {
      assertThat(remote.scheme()).isEqualTo("https");
    } finally {
      remote.close();
    }
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "0.0.0.0:0", true, 2, false,
        Htpasswd.read(tmp.resolve("htpasswd")), TokenAuth.defaults(), null, null, l -> { }))
        .isInstanceOf(dev.airlock.InvalidInputException.class).hasMessageContaining("--tls-cert");
  }

  @Test
  void skopeoWithCertDirAndCreds() throws Exception {
    Path skopeo = Peers.skopeo();
    Path certDir = ca.certDir(tmp.resolve("skopeo-certs.d"));
    String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
    ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
        certDir.toString(), "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
    assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
    Path out = tmp.resolve("skopeo-copy");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-cert-dir",
        certDir.toString(), "--src-creds", USER + ":" + PASSWORD, "docker://" + server.hostPort() + "/"
        + SampleContent.MULTI, "oci:" + out + ":x"), 120).assertOk();
    assertThat(dev.airlock.store.LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(sample.multiIndex);
    ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
        certDir.toString(), "--creds", "skopeo:guess-skopeo", ref), 60);
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).containsIgnoringCase("unauthorized");
  }

  @Test
  void podmanLogsInWithCertDirAndPulls() throws Exception {
    Path podman = Peers.podman();
    Path dir = Files.createDirectories(tmp.resolve("podman"));
    Path certDir = ca.certDir(dir.resolve("certs.d"));
    Path auth = dir.resolve("auth.json");
    Files.writeString(dir.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
    List<String> base = List.of(podman.toString(), "--root", dir.resolve("root").toString(), "--runroot",
        dir.resolve("run").toString(), "--storage-driver", "vfs", "--events-backend", "file", "--cgroup-manager", "cgroupfs");
    ProcessRunner.Result wrong = run(base, "login", "--cert-dir", certDir.toString(), "--authfile", auth.toString(),
        "-u", "podman", "-p", "guess-podman", server.hostPort());
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).contains("invalid username/password");
    run(base, "login", "--cert-dir", certDir.toString(), "--authfile", auth.toString(), "-u", USER, "-p", PASSWORD,
        server.hostPort()).assertOk();
    ProcessRunner.Result pull = run(base, "pull", "--cert-dir", certDir.toString(), "--authfile", auth.toString(),
        "--signature-policy", dir.resolve("policy.json").toString(), server.hostPort() + "/" + SampleContent.APP);
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    assertThat(run(base, "image", "inspect", "--format", "{{.Digest}}", server.hostPort() + "/" + SampleContent.APP)
        .assertOk().out().trim()).isEqualTo(sample.app.toString());
  }

  @Test
  void helmLogsInWithCaFileAndPullsTheChart() throws Exception {
    Path helm = Peers.helm();
    Path caFile = ca.caFile(tmp.resolve("helm-ca.crt"));
    Path config = tmp.resolve("helm-registry.json");
    ProcessRunner.Result wrong = ProcessRunner.run(List.of(helm.toString(), "registry", "login", server.hostPort(),
        "--ca-file", caFile.toString(), "--registry-config", config.toString(), "-u", "helm", "-p", "guess-helm"), 60);
    assertThat(wrong.exitCode()).isNotZero();
    ProcessRunner.run(List.of(helm.toString(), "registry", "login", server.hostPort(), "--ca-file", caFile.toString(),
        "--registry-config", config.toString(), "-u", USER, "-p", PASSWORD), 60).assertOk();
    Path dest = Files.createDirectories(tmp.resolve("helm"));
    ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort() + "/ghcr.io/acme/charts/mychart",
        "--version", "0.1.0", "--ca-file", caFile.toString(), "--registry-config", config.toString(), "-d",
        dest.toString()), 60).assertOk();
    assertThat(dest.resolve("mychart-0.1.0.tgz")).exists();
  }

  @Test
  void containerdFetchesThroughAHostsTomlNamingTheCa() throws Exception {
    try (Containerd containerd = Containerd.start()) {
      Path hosts = Files.createDirectories(tmp.resolve("hosts").resolve(server.hostPort()));
      Path caFile = ca.caFile(tmp.resolve("containerd-ca.crt"));
      Files.writeString(hosts.resolve("hosts.toml"), "server = \"https://" + server.hostPort() + "\"\n\n[host.\"https://"
          + server.hostPort() + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n  ca = \"" + caFile + "\"\n");
      List<String> base = List.of(Peers.ctr().toString(), "--address", containerd.address().toString(), "content", "fetch",
          "--hosts-dir", tmp.resolve("hosts").toString(), "--all-platforms");
      String ref = server.hostPort() + "/" + SampleContent.MULTI;
      ProcessRunner.Result wrong = run(base, "--user", "ctr:guess-ctr", ref);
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.out() + wrong.err()).contains("401");
      run(base, "--user", USER + ":" + PASSWORD, ref).assertOk();
      String content = ProcessRunner.run(List.of(Peers.ctr().toString(), "--address", containerd.address().toString(),
          "content", "ls", "-q"), 30).assertOk().out();
      assertThat(content.lines().filter(l -> !l.isBlank()).count()).isEqualTo(7);
      assertThat(content).contains(sample.multiIndex.toString());
    }
  }

  private static ProcessRunner.Result run(List<String> base, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of(args));
    return ProcessRunner.run(cmd, 180);
  }
}
