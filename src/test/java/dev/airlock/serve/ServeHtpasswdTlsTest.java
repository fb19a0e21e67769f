package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.testing.Containerd;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.IOException;
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
 * serve --htpasswd over TLS (HTTP Basic, no tokens) with an access log, and real clients trusting the test
 * CA: podman ({@code login --cert-dir}, {@code pull --cert-dir}, vfs storage of its own), helm
 * ({@code registry login --ca-file}, {@code pull oci:// --ca-file}) and containerd ({@code ctr content fetch
 * --user} through a hosts.toml whose {@code ca} is the test root). Each is refused with a wrong password;
 * the user's password and the wrong ones, the Basic header value and "Authorization" are in no log line and
 * no access-log line; the access log names the user on the pulls and "-" on the refusals.
 */
class ServeHtpasswdTlsTest {
  static final String PASSWORD = "Basic-over-TLS-7";

  @TempDir static Path tmp;
  static SampleContent sample;
  static TestCa ca;
  static ServeTls tls;
  static AccessLog access;
  static Path accessFile;
  static RegistryServer server;
  static final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    StringBuilder users = new StringBuilder();
    for (String u : List.of("podman", "helm", "ctr")) {
      users.append(u).append(':').append(OpenBSDBCrypt.generate("2y", (u + PASSWORD).toCharArray(), salt, 5)).append('\n');
    }
    Path htpasswd = tmp.resolve("htpasswd");
    Files.writeString(htpasswd, users.toString());
    ca = TestCa.create("airlock basic test CA");
    Path cert = tmp.resolve("server.crt");
    Path key = tmp.resolve("server.key");
    TestCa.write(ca.leaf("serve-basic", true), cert, key, false);
    tls = ServeTls.load(cert, key, null);
    accessFile = tmp.resolve("access.log");
    access = AccessLog.open(accessFile);
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8, false,
        Htpasswd.read(htpasswd), null, tls, access, log::add);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    tls.close();
    access.close();
  }

  /** No password (right or wrong), no Basic value, no Authorization in the log or the access log. */
  static List<String> checkedAccessLines(String user) throws IOException {
    List<String> lines = Files.readAllLines(accessFile, StandardCharsets.US_ASCII);
    String basic = Base64.getEncoder().encodeToString((user + ":" + user + PASSWORD).getBytes(StandardCharsets.UTF_8));
    List<String> all = new ArrayList<>(lines);
    all.addAll(log);
    for (String l : all) {
      assertThat(l).doesNotContain(PASSWORD).doesNotContain("guess").doesNotContain(basic)
          .doesNotContainIgnoringCase("authorization").doesNotContainIgnoringCase("basic ");
    }
    return lines;
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
    assertThat(auth).doesNotExist();
    // without the CA: refused before any credential is sent
    ProcessRunner.Result untrusted = run(base, "login", "--authfile", auth.toString(), "-u", "podman", "-p",
        "podman" + PASSWORD, server.hostPort());
    assertThat(untrusted.exitCode()).isNotZero();
    assertThat(untrusted.err()).contains("certificate signed by unknown authority");
    run(base, "login", "--cert-dir", certDir.toString(), "--authfile", auth.toString(), "-u", "podman", "-p",
        "podman" + PASSWORD, server.hostPort()).assertOk();
    ProcessRunner.Result pull = run(base, "pull", "--cert-dir", certDir.toString(), "--authfile", auth.toString(),
        "--signature-policy", dir.resolve("policy.json").toString(), server.hostPort() + "/" + SampleContent.APP);
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    assertThat(run(base, "image", "inspect", "--format", "{{.Digest}}", server.hostPort() + "/" + SampleContent.APP)
        .assertOk().out().trim()).isEqualTo(sample.app.toString());
    List<String> lines = awaitAccess(l -> l.contains("/manifests/2.0 200 ") && l.endsWith(" podman"));
    checkedAccessLines("podman");
    assertThat(lines).anyMatch(l -> l.contains(" GET /v2/ 401 ") && l.endsWith(" -"));
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
        "--registry-config", config.toString(), "-u", "helm", "-p", "helm" + PASSWORD), 60).assertOk();
    Path dest = Files.createDirectories(tmp.resolve("helm"));
    ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort() + "/ghcr.io/acme/charts/mychart",
        "--version", "0.1.0", "--ca-file", caFile.toString(), "--registry-config", config.toString(), "-d",
        dest.toString()), 60).assertOk();
    assertThat(dest.resolve("mychart-0.1.0.tgz")).exists();
    // the CA file is what lets helm in: without it, refused
    ProcessRunner.Result untrusted = ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort()
        + "/ghcr.io/acme/charts/mychart", "--version", "0.1.0", "--registry-config", config.toString(), "-d",
        Files.createDirectories(tmp.resolve("helm-untrusted")).toString()), 60);
    assertThat(untrusted.exitCode()).isNotZero();
    assertThat(untrusted.err()).contains("certificate signed by unknown authority");
    awaitAccess(l -> l.contains(" GET /v2/ghcr.io/acme/charts/mychart/blobs/sha256:") && l.contains(" 200 ")
        && l.endsWith(" helm"));
    checkedAccessLines("helm");
  }

  @Test
  void ctrFetchesWithUserThroughAHostsTomlNamingTheCa() throws Exception {
    try (Containerd containerd = Containerd.start()) {
      Path hostsDir = tmp.resolve("hosts");
      Path hosts = Files.createDirectories(hostsDir.resolve(server.hostPort()));
      Path caFile = ca.caFile(tmp.resolve("containerd-ca.crt"));
      Files.writeString(hosts.resolve("hosts.toml"), "server = \"https://" + server.hostPort() + "\"\n\n[host.\"https://"
          + server.hostPort() + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n  ca = \"" + caFile + "\"\n");
      // content fetch: the resolver, hosts.toml and authorizer of ctr images pull, without unpacking (the
      // sample images' configs list no diff_ids, so images pull stops at unpack after fetching everything)
      List<String> base = List.of(Peers.ctr().toString(), "--address", containerd.address().toString(), "content", "fetch",
          "--hosts-dir", hostsDir.toString(), "--all-platforms");
      String ref = server.hostPort() + "/" + SampleContent.MULTI;
      ProcessRunner.Result wrong = run(base, "--user", "ctr:guess-ctr", ref);
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.out() + wrong.err()).contains("401");
      ProcessRunner.Result ok = run(base, "--user", "ctr:ctr" + PASSWORD, ref);
      assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
      String content = ProcessRunner.run(List.of(Peers.ctr().toString(), "--address", containerd.address().toString(),
          "content", "ls", "-q"), 30).assertOk().out();
      assertThat(content.lines().filter(l -> !l.isBlank()).count()).isEqualTo(7); // index, 2 manifests, 2 configs, 2 layers
      assertThat(content).contains(sample.multiIndex.toString());
      assertThat(ok.out() + ok.err()).doesNotContain(PASSWORD);
    }
    awaitAccess(l -> l.contains("/manifests/1.0 200 ") && l.endsWith(" ctr"));
    List<String> lines = checkedAccessLines("ctr");
    assertThat(lines).anyMatch(l -> l.contains("/manifests/1.0 401 ") && l.endsWith(" -"));
    // the wrong password, repeated by containerd on each try, is one failure, not a lock-out
    assertThat(log).filteredOn(l -> l.contains("failed login for user ctr ")).hasSize(1);
  }

  /** The access log once a line matching {@code wanted} is in it (written just after the answer went out). */
  static List<String> awaitAccess(java.util.function.Predicate<String> wanted) throws Exception {
    long t0 = System.nanoTime();
    while (true) {
      List<String> lines = Files.readAllLines(accessFile, StandardCharsets.US_ASCII);
      if (lines.stream().anyMatch(wanted)) {
        return lines;
      }
      assertThat(System.nanoTime() - t0).as(String.join("\n", lines)).isLessThan(5_000_000_000L);
      Thread.sleep(20);
    }
  }

  private static ProcessRunner.Result run(List<String> base, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of(args));
    return ProcessRunner.run(cmd, 180);
  }
}
