package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.cli.ExitCodes;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --tls-cert/--tls-key with a CA the test makes (root, intermediate, server certificates for
 * 127.0.0.1): real skopeo trusting the root through {@code --cert-dir} pulls with {@code --creds} over
 * HTTPS and refuses a server its CA did not sign; the certificate is reloaded when the files change (and a
 * bad new pair keeps the old one, logged once); bad key files stop serve at start with one line; plain HTTP
 * to the TLS port gets a 400; {@code --allow-remote} needs TLS or {@code --insecure-plain-http}; the
 * serve command reloads on SIGHUP and reopens its {@code --access-log} (rotation).
 */
class ServeTlsTest {
  static final String USER = "puller";
  static final String PASSWORD = "tls-and-basic-Pa55";

  @TempDir static Path tmp;
  static SampleContent sample;
  static Path htpasswd;
  static TestCa ca;
  static TestCa.Leaf leaf;
  static Path cert;
  static Path key;
  static ServeTls tls;
  static RegistryServer server;
  static final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    htpasswd = tmp.resolve("htpasswd");
    Files.writeString(htpasswd, USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n");
    ca = TestCa.create("airlock test CA");
    leaf = ca.leaf("serve-ec", false);
    cert = tmp.resolve("server.crt");
    key = tmp.resolve("server.key");
    TestCa.write(leaf, cert, key, false);
    tls = ServeTls.load(cert, key, null);
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8, false,
        Htpasswd.read(htpasswd), null, tls, null, log::add);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    tls.close();
    assertThat(log).noneMatch(l -> l.contains(PASSWORD) || l.contains("guess"));
  }

  @Test
  void skopeoTrustingTheCaPullsWithCredsOverHttpsAndAnotherCaIsRefused() throws Exception {
    Path skopeo = Peers.skopeo();
    Path certDir = ca.certDir(tmp.resolve("certs.d"));
    String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
    ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
        certDir.toString(), "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
    assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
    Path out = tmp.resolve("copy");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-cert-dir",
        certDir.toString(), "--src-creds", USER + ":" + PASSWORD, "docker://" + server.hostPort() + "/"
        + SampleContent.MULTI, "oci:" + out + ":x"), 120).assertOk();
    assertThat(dev.airlock.store.LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(sample.multiIndex);

    ProcessRunner.Result wrongPassword = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
        certDir.toString(), "--creds", USER + ":guess-tls", ref), 60);
    assertThat(wrongPassword.exitCode()).isNotZero();
    assertThat(wrongPassword.err()).containsIgnoringCase("unauthorized");

    Path otherDir = TestCa.create("some other CA").certDir(tmp.resolve("other-certs.d"));
    ProcessRunner.Result otherCa = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
        otherDir.toString(), "--creds", USER + ":" + PASSWORD, ref), 60);
    assertThat(otherCa.exitCode()).isNotZero();
    assertThat(otherCa.err()).contains("certificate signed by unknown authority");
    // and the system roots do not know the test CA either
    ProcessRunner.Result system = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--creds",
        USER + ":" + PASSWORD, ref), 60);
    assertThat(system.exitCode()).isNotZero();
    assertThat(system.err()).contains("certificate signed by unknown authority");
  }

  @Test
  void anHttpsClientGetsTheChainAndPlainHttpToTheTlsPortGets400() throws Exception {
    X509Certificate served = ca.served(server.port());
    assertThat(served.getSerialNumber()).isEqualTo(leaf.certificate().getSerialNumber());
    HttpResponse<byte[]> r = ca.httpClient().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + server.port() + "/v2/")).header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
        (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5_000);
      OutputStream o = s.getOutputStream();
      o.write(("GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.0 400 Bad Request").contains("Client sent an HTTP request to an HTTPS server.");
    }
  }

  @Test
  void aChangedPairIsServedToNewConnectionsAndABadOneKeepsTheOld() throws Exception {
    Path c = tmp.resolve("reload.crt");
    Path k = tmp.resolve("reload.key");
    TestCa.Leaf first = ca.leaf("reload-1", false);
    TestCa.write(first, c, k, false);
    List<String> lines = new CopyOnWriteArrayList<>();
    try (ServeTls watched = ServeTls.load(c, k, lines::add);
        RegistryServer s = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4, false,
            null, null, watched, null, lines::add)) {
      assertThat(ca.served(s.port()).getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());

      // an RSA pair, the key in the traditional RSA PRIVATE KEY form: picked up by the 2 s watch
      TestCa.Leaf second = ca.leaf("reload-2", true);
      TestCa.write(second, c, k, true);
      long t0 = System.nanoTime();
      while (!ca.served(s.port()).getSerialNumber().equals(second.certificate().getSerialNumber())) {
        assertThat(System.nanoTime() - t0).as("new certificate served within 8 s").isLessThan(8_000_000_000L);
        Thread.sleep(200);
      }
      assertThat(lines).anyMatch(l -> l.startsWith("serve: TLS reloaded from " + c) && l.contains("CN=reload-2")
          && l.contains("RSA key, chain of 2"));

      // a key of another certificate: the old pair stays, one line says why (once, however many polls)
      Files.writeString(k, TestCa.pkcs8(ca.leaf("stray", false).key()));
      Thread.sleep(3 * ServeTls.POLL_MS);
      assertThat(ca.served(s.port()).getSerialNumber()).isEqualTo(second.certificate().getSerialNumber());
      assertThat(lines.stream().filter(l -> l.contains("TLS certificate not reloaded")).toList()).hasSize(1)
          .allMatch(l -> l.contains("is not the key of the first certificate"));
      // a truncated certificate file: the same
      Files.writeString(c, "-----BEGIN CERTIFICATE-----\nMIIB\n");
      Thread.sleep(2 * ServeTls.POLL_MS + 500);
      assertThat(ca.served(s.port()).getSerialNumber()).isEqualTo(second.certificate().getSerialNumber());
      assertThat(lines.stream().filter(l -> l.contains("TLS certificate not reloaded")).toList()).hasSize(2);
      // a good pair again, reloaded by hand (as SIGHUP does)
      TestCa.Leaf third = ca.leaf("reload-3", false);
      TestCa.write(third, c, k, true);
      assertThat(watched.reload(true)).as(String.join("\n", lines)).isTrue();
      assertThat(ca.served(s.port()).getSerialNumber()).isEqualTo(third.certificate().getSerialNumber());
    }
  }

  @Test
  void badKeyFilesStopServeAtStartWithOneLine() throws Exception {
    Path layout = tmp.resolve("layout");
    Path garbage = tmp.resolve("garbage.key");
    Files.writeString(garbage, "not a key\n");
    Path other = tmp.resolve("other.key");
    Files.writeString(other, TestCa.pkcs8(ca.leaf("other", false).key()));
    Path encrypted = tmp.resolve("encrypted.key");
    Files.writeString(encrypted, TestCa.encryptedPkcs8(leaf.key(), "pw"));
    Path certAsKey = cert;
    for (Object[] c : new Object[][] {
        {garbage, "holds no PEM PRIVATE KEY block"},
        {other, "is not the key of the first certificate in --tls-cert"},
        {encrypted, "is encrypted"},
        {certAsKey, "not a private key"},
        {tmp.resolve("missing.key"), "no such file"}}) {
      CommandResult r = CommandResult.run("serve", layout.toString(), "--addr", "127.0.0.1:0", "--tls-cert",
          cert.toString(), "--tls-key", c[0].toString());
      assertThat(r.exitCode()).as(r.err()).isNotZero();
      assertThat(r.err().strip()).as(c[0].toString()).contains("--tls-key " + c[0]).contains((String) c[1])
          .doesNotContain("\n").doesNotContain("Exception");
    }
    CommandResult keyAsCert = CommandResult.run("serve", layout.toString(), "--addr", "127.0.0.1:0", "--tls-cert",
        key.toString(), "--tls-key", key.toString());
    assertThat(keyAsCert.exitCode()).isNotZero();
    assertThat(keyAsCert.err().strip()).contains("--tls-cert " + key).doesNotContain("\n");
    CommandResult alone = CommandResult.run("serve", layout.toString(), "--tls-cert", cert.toString());
    assertThat(alone.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(alone.err()).contains("--tls-cert and --tls-key go together");
  }

  @Test
  void remoteNeedsTlsOrAnExplicitInsecurePlainHttpAndHtpasswdGoesRemoteOnlyWithTls() throws Exception {
    Path layout = tmp.resolve("layout");
    CommandResult plain = CommandResult.run("serve", layout.toString(), "--addr", "127.0.0.1:0", "--allow-remote");
    assertThat(plain.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(plain.err()).contains("--allow-remote without --tls-cert/--tls-key would serve plain HTTP")
        .contains("--insecure-plain-http");
    CommandResult both = CommandResult.run("serve", layout.toString(), "--insecure-plain-http", "--tls-cert",
        cert.toString(), "--tls-key", key.toString());
    assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
    // htpasswd to other machines: refused over plain HTTP, accepted with TLS (started and closed, never contacted)
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(layout), "0.0.0.0:0", true, 2, false,
        Htpasswd.read(htpasswd), null, null, null, l -> { })).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--tls-cert");
    RegistryServer remote = RegistryServer.start(ServedContent.open(layout), "0.0.0.0:0", true, 2, false,
        Htpasswd.read(htpasswd), null, tls, null, l -> { });
    assertThat(remote.scheme()).isEqualTo("https");
    remote.close();
  }

  static void awaitLine(Path file, java.util.function.Predicate<String> line) throws Exception {
    long t0 = System.nanoTime();
    while (!Files.exists(file) || Files.readAllLines(file).stream().noneMatch(line)) {
      assertThat(System.nanoTime() - t0).as(file + ": " + (Files.exists(file) ? Files.readAllLines(file) : "absent"))
          .isLessThan(5_000_000_000L);
      Thread.sleep(20);
    }
  }

  @Test
  void theServeCommandServesHttpsAndReloadsOnSighup() throws Exception {
    Path c = tmp.resolve("cli.crt");
    Path k = tmp.resolve("cli.key");
    TestCa.Leaf first = ca.leaf("cli-1", true);
    TestCa.write(first, c, k, false);
    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "serve", tmp.resolve("layout").toString(),
        "--addr", "127.0.0.1:0", "--htpasswd", htpasswd.toString(), "--tls-cert", c.toString(), "--tls-key", k.toString(),
        "--access-log", tmp.resolve("cli-access.log").toString()))
        .redirectErrorStream(true).start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<String> addr = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      Pattern on = Pattern.compile("on https://([0-9.:]+)");
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          Matcher m = on.matcher(line);
          if (m.find()) {
            addr.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      addr.complete(null);
    });
    reader.start();
    try {
      String hostPort = addr.get(90, TimeUnit.SECONDS);
      assertThat(hostPort).as(String.join("\n", lines)).isNotNull();
      int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
      assertThat(ca.served(port).getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());
      ProcessRunner.Result ok = ProcessRunner.run(List.of(Peers.skopeo().toString(), "inspect", "--raw", "--cert-dir",
          ca.certDir(tmp.resolve("cli-certs.d")).toString(), "--creds", USER + ":" + PASSWORD, "docker://" + hostPort
          + "/" + SampleContent.APP), 60).assertOk();
      assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
      Path accessLog = tmp.resolve("cli-access.log");
      String manifestLine = " GET /v2/" + SampleContent.APP.replace(":2.0", "") + "/manifests/2.0 200 "
          + Files.size(sample.store.blobPath(sample.app)) + " " + USER;
      awaitLine(accessLog, l -> l.endsWith(manifestLine)); // written once the answer is out: just after the client has it
      Files.move(accessLog, tmp.resolve("cli-access.log.1"));
      // SIGHUP: read again at once (not at the next poll), the access log reopened, the process keeps serving
      long before = lines.stream().filter(l -> l.contains("TLS reloaded")).count();
      ProcessRunner.run(List.of("kill", "-HUP", Long.toString(p.pid())), 10).assertOk();
      long t0 = System.nanoTime();
      while (lines.stream().filter(l -> l.contains("TLS reloaded")).count() == before) {
        assertThat(System.nanoTime() - t0).as(String.join("\n", lines)).isLessThan(5_000_000_000L);
        Thread.sleep(50);
      }
      while (lines.stream().noneMatch(l -> l.contains("access log reopened"))) {
        assertThat(System.nanoTime() - t0).as(String.join("\n", lines)).isLessThan(5_000_000_000L);
        Thread.sleep(50);
      }
      assertThat(p.isAlive()).isTrue();
      assertThat(ca.httpClient().send(java.net.http.HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
          + "/v2/")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
      awaitLine(accessLog, l -> l.endsWith(" GET /v2/ 401 72 -"));
      assertThat(Files.readAllLines(accessLog)).hasSize(1);
      assertThat(ca.served(port).getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());
      assertThat(String.join("\n", lines)).contains("TLS: certificate CN=cli-1").doesNotContain(PASSWORD);
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      reader.join(10_000);
    }
  }
}
