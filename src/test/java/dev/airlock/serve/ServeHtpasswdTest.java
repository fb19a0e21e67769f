package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve --htpasswd: HTTP Basic against bcrypt entries. Real skopeo with {@code --creds} pulls with the right
 * password and is refused with a wrong one or none; failed logins are rate-limited and logged without the
 * password; other hash schemes are refused when the file is read.
 */
class ServeHtpasswdTest {
  static final String USER = "puller";
  static final String PASSWORD = "correct horse battery staple";

  @TempDir static Path tmp;
  static SampleContent sample;
  static RegistryServer server;
  static final List<String> log = new CopyOnWriteArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Path file = tmp.resolve("htpasswd");
    Files.writeString(file, "# users\n" + USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n"
        + "other:" + OpenBSDBCrypt.generate("2b", "x".toCharArray(), salt, 5) + "\n");
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8, false,
        Htpasswd.read(file), log::add);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  static HttpResponse<byte[]> get(String path, String user, String password) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + path));
    if (user != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
          .getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void skopeoWithTheRightCredentialsPullsAndWithWrongOrNoneIsRefused() throws Exception {
    Path skopeo = Peers.skopeo();
    String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
    ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
    assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
    Path out = tmp.resolve("copy");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--preserve-digests", "--src-tls-verify=false", "--src-creds",
        USER + ":" + PASSWORD, ref, "oci:" + out + ":x"), 60).assertOk();
    assertThat(out.resolve("index.json")).exists();

    ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--creds", USER + ":not-it", ref), 60);
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).containsIgnoringCase("unauthorized");
    ProcessRunner.Result none = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--no-creds", ref), 60);
    assertThat(none.exitCode()).isNotZero();
    assertThat(log).anyMatch(l -> l.contains("failed login for user " + USER));
    assertThat(log).noneMatch(l -> l.contains("not-it") || l.contains(PASSWORD));
  }

  @Test
  void unauthenticatedRequestsAre401WithABasicChallenge() throws Exception {
    HttpResponse<byte[]> r = get("/v2/", null, null);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"airlock\"");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("UNAUTHORIZED");
    assertThat(get("/v2/", USER, PASSWORD).statusCode()).isEqualTo(200);
    assertThat(get("/v2/" + SampleContent.APP.replace(":2.0", "") + "/manifests/2.0", USER, PASSWORD).statusCode())
        .isEqualTo(200);
  }

  @Test
  void repeatedFailedLoginsAreRateLimitedAndLoggedWithoutThePassword() throws Exception {
    for (int i = 0; i < BasicAuthHandler.MAX_FAILURES; i++) {
      assertThat(get("/v2/", "other", "guess" + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<byte[]> limited = get("/v2/", "other", "x"); // even the right one, until the minute is over
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(log).anyMatch(l -> l.contains("failed login for user other"));
    assertThat(log).noneMatch(l -> l.contains("guess"));
    assertThat(get("/v2/", USER, PASSWORD).statusCode()).as("another user is not limited").isEqualTo(200);
  }

  @Test
  void otherHashSchemesAndMalformedFilesAreRefused() throws Exception {
    Path md5 = tmp.resolve("md5");
    Files.writeString(md5, "u:$apr1$abcdefgh$0123456789012345678901\n");
    assertThatThrownBy(() -> Htpasswd.read(md5)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("line 1").hasMessageContaining("bcrypt");
    Path empty = tmp.resolve("empty");
    Files.writeString(empty, "# nobody\n");
    assertThatThrownBy(() -> Htpasswd.read(empty)).isInstanceOf(InvalidInputException.class).hasMessageContaining("no users");
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "0.0.0.0:0", true, 2, false,
        Htpasswd.read(tmp.resolve("htpasswd")), l -> { })).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("loopback");
  }
}
