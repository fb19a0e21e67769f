package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --access-log: one line per request (time, client, method, path, status, bytes, user) after real
 * skopeo pulls over TLS with Basic and with tokens, a failed login and anonymous requests; no password,
 * token or Authorization value in any line. And the failed-login limit per (user, client address): five
 * failures from 127.0.0.2 lock that user out from there only, 127.0.0.1 still logs in with the password.
 */
class ServeAccessLogTest {
  static final String USER = "puller";
  static final String PASSWORD = "access-log-Secr3t";
  static final Pattern LINE = Pattern.compile(
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z [0-9a-f.:]+ [A-Z-]+ \\S+ \\d{3} \\d+ \\S+");

  @TempDir static Path tmp;
  static SampleContent sample;
  static Path htpasswd;
  static TestCa ca;
  static Path certDir;
  static ServeTls tls;

  @BeforeAll
  static void setUp() throws Exception {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    htpasswd = tmp.resolve("htpasswd");
    Files.writeString(htpasswd, USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n"
        + "locked:" + OpenBSDBCrypt.generate("2y", "locked-right".toCharArray(), salt, 5) + "\n");
    ca = TestCa.create("access log CA");
    Path cert = tmp.resolve("server.crt");
    Path key = tmp.resolve("server.key");
    TestCa.write(ca.leaf("access-log", false), cert, key, false);
    tls = ServeTls.load(cert, key, null);
    certDir = ca.certDir(tmp.resolve("certs.d"));
  }

  static List<String> lines(Path file) throws IOException {
    List<String> all = Files.readAllLines(file, StandardCharsets.US_ASCII);
    assertThat(all).allSatisfy(l -> assertThat(l).matches(LINE));
    return all;
  }

  static void noCredentialIn(List<String> lines, List<String> extra) {
    String basic = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    for (String l : lines) {
      assertThat(l).doesNotContain(PASSWORD).doesNotContain("guess").doesNotContain(basic).doesNotContainIgnoringCase("basic")
          .doesNotContainIgnoringCase("bearer").doesNotContainIgnoringCase("authorization");
      for (String e : extra) {
        assertThat(l).doesNotContain(e);
      }
    }
  }

  @Test
  void skopeoPullsOverTlsWithBasicAreLoggedOneLineEachWithTheUser() throws Exception {
    Path file = tmp.resolve("basic-access.log");
    List<String> log = new CopyOnWriteArrayList<>();
    try (AccessLog access = AccessLog.open(file);
        RegistryServer server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8,
            false, Htpasswd.read(htpasswd), null, tls, access, log::add)) {
      Path skopeo = Peers.skopeo();
      String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
      ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
      byte[] manifest = ok.out().getBytes(StandardCharsets.UTF_8);
      assertThat(Digest.sha256(manifest)).isEqualTo(sample.app);
      Path out = tmp.resolve("copy");
      ProcessRunner.run(List.of(skopeo.toString(), "copy", "--preserve-digests", "--src-cert-dir", certDir.toString(),
          "--src-creds", USER + ":" + PASSWORD, ref, "oci:" + out + ":x"), 120).assertOk();
      ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--creds", USER + ":guess-access", ref), 60);
      assertThat(wrong.exitCode()).isNotZero();
    }
    List<String> lines = lines(file);
    noCredentialIn(lines, List.of());
    String repo = SampleContent.APP.substring(0, SampleContent.APP.indexOf(':'));
    // the manifest by tag, with its exact size, as the user
    long manifestSize = Files.size(sample.store.blobPath(sample.app));
    assertThat(lines).anyMatch(l -> l.matches(".* 127\\.0\\.0\\.1 GET /v2/" + Pattern.quote(repo) + "/manifests/2\\.0 200 "
        + manifestSize + " " + USER));
    // every blob of the image fetched by GET, with its size
    long blobs = lines.stream().filter(l -> l.contains(" GET /v2/" + repo + "/blobs/sha256:") && l.endsWith(" " + USER)
        && l.contains(" 200 ")).count();
    assertThat(blobs).isGreaterThanOrEqualTo(2); // config and layer
    for (String l : lines.stream().filter(x -> x.contains("/blobs/sha256:") && x.contains(" 200 ")).toList()) {
      String[] f = l.split(" ");
      Digest d = Digest.parse(f[3].substring(f[3].lastIndexOf('/') + 1));
      assertThat(Long.parseLong(f[5])).as(l).isEqualTo(Files.size(sample.store.blobPath(d)));
    }
    // the wrong password: 401, anonymous; the challenge before the login too
    assertThat(lines).anyMatch(l -> l.contains(" GET /v2/ 401 ") && l.endsWith(" -"));
    assertThat(lines.stream().filter(l -> l.split(" ")[4].equals("401")).toList()).hasSizeGreaterThanOrEqualTo(3)
        .allMatch(l -> l.endsWith(" -"));
    assertThat(lines).noneMatch(l -> l.split(" ")[4].equals("200") && l.endsWith(" -"));
  }

  @Test
  void tokenPullsAreLoggedWithTheTokensUserAndNeverTheTokenOrTheTokenQuery() throws Exception {
    Path file = tmp.resolve("token-access.log");
    List<String> log = new CopyOnWriteArrayList<>();
    try (AccessLog access = AccessLog.open(file);
        RegistryServer server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8,
            false, Htpasswd.read(htpasswd), TokenAuth.defaults(), tls, access, log::add)) {
      Path skopeo = Peers.skopeo();
      String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
      ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
      assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
      ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--cert-dir",
          certDir.toString(), "--creds", USER + ":guess-token", ref), 60);
      assertThat(wrong.exitCode()).isNotZero();
    }
    List<String> lines = lines(file);
    noCredentialIn(lines, List.of("scope=", "service=", "eyJ")); // eyJ: how every JWT's base64url JSON begins
    String repo = SampleContent.APP.substring(0, SampleContent.APP.indexOf(':'));
    assertThat(lines).anyMatch(l -> l.contains(" GET /token 200 ") && l.endsWith(" " + USER));
    assertThat(lines).anyMatch(l -> l.contains(" GET /token 401 ") && l.endsWith(" -"));
    assertThat(lines).anyMatch(l -> l.contains(" GET /v2/" + repo + "/manifests/2.0 200 ") && l.endsWith(" " + USER));
  }

  /** One GET from {@code local} (an address of the loopback network) with Basic credentials; the status. */
  static int getFrom(String local, InetSocketAddress server, String user, String password) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(local, 0));
      s.connect(server, 5_000);
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(("GET /v2/ HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort() + "\r\nAuthorization: Basic "
          + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      String status = new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\r\n", 2)[0];
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  @Test
  void failedLoginsAreLimitedPerUserAndClientAddressSoOthersCannotLockAUserOut() throws Exception {
    Path file = tmp.resolve("limit-access.log");
    List<String> log = new CopyOnWriteArrayList<>();
    try (AccessLog access = AccessLog.open(file);
        RegistryServer server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4,
            false, Htpasswd.read(htpasswd), null, null, access, log::add)) {
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", server.port());
      for (int i = 0; i < BasicAuthHandler.MAX_FAILURES; i++) {
        assertThat(getFrom("127.0.0.2", at, "locked", "guess-" + i)).isEqualTo(401);
      }
      // from that address the user is now answered 429 without a check, even with the right password
      assertThat(getFrom("127.0.0.2", at, "locked", "locked-right")).isEqualTo(429);
      // from another address the same user still logs in, and can fail on their own count
      assertThat(getFrom("127.0.0.1", at, "locked", "locked-right")).isEqualTo(200);
      assertThat(getFrom("127.0.0.1", at, "locked", "guess-here")).isEqualTo(401);
      assertThat(getFrom("127.0.0.1", at, "locked", "locked-right")).isEqualTo(200);
      // other users from the limited address are not limited
      assertThat(getFrom("127.0.0.2", at, USER, PASSWORD)).isEqualTo(200);
    }
    assertThat(log).filteredOn(l -> l.contains("failed login for user locked")).hasSize(6);
    assertThat(log).anyMatch(l -> l.equals("serve: failed login for user locked (5 in the last minute) from 127.0.0.2"));
    assertThat(log).anyMatch(l -> l.equals("serve: failed login for user locked (1 in the last minute) from 127.0.0.1"));
    assertThat(log).noneMatch(l -> l.contains("guess") || l.contains("locked-right") || l.contains(PASSWORD));
    List<String> lines = lines(file);
    noCredentialIn(lines, List.of("locked-right"));
    assertThat(lines).filteredOn(l -> l.contains(" 127.0.0.2 GET /v2/ 401 ")).hasSize(5);
    assertThat(lines).filteredOn(l -> l.contains(" 127.0.0.2 GET /v2/ 429 ")).hasSize(1);
    assertThat(lines).filteredOn(l -> l.contains(" 127.0.0.1 GET /v2/ 200 ") && l.endsWith(" locked")).hasSize(2);
    assertThat(lines).filteredOn(l -> l.contains(" 127.0.0.2 GET /v2/ 200 ") && l.endsWith(" " + USER)).hasSize(1);
  }

  @Test
  void aRotatedLogIsReopenedAndAMalformedHeadIsLogged() throws Exception {
    Path file = tmp.resolve("rotate-access.log");
    try (AccessLog access = AccessLog.open(file);
        RegistryServer server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4,
            false, null, null, null, access, l -> { })) {
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", server.port());
      try (RawHttpClient c = new RawHttpClient(at)) {
        c.send(RawHttpClient.get("/v2/tags/../x")).read();
      }
      ServeTlsTest.awaitLine(file, l -> l.contains(" GET /v2/tags/../x ")); // written just after the answer
      Files.move(file, tmp.resolve("rotate-access.log.1"));
      access.reopen();
      try (RawHttpClient c = new RawHttpClient(at)) {
        assertThat(c.send(RawHttpClient.request("HEAD", "/v2/")).read(true).status()).isEqualTo(200);
        c.send("GET /v2/ HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n").read();
      }
      ServeTlsTest.awaitLine(file, l -> l.contains(" - - 400 "));
    }
    assertThat(lines(tmp.resolve("rotate-access.log.1"))).hasSize(1);
    List<String> now = lines(file);
    assertThat(now).hasSize(2);
    assertThat(now.get(0)).matches(".* 127\\.0\\.0\\.1 HEAD /v2/ 200 0 -");
    assertThat(now.get(1)).matches(".* 127\\.0\\.0\\.1 - - 400 \\d+ -");
  }
}
