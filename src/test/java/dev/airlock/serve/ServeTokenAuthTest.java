package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.cli.ExitCodes;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Containerd;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * serve --token-auth: the distribution token flow. Raw HTTP checks the challenge, the token endpoint's
 * answer and what a token grants (pull only; a tampered, foreign or expired token is refused with the
 * challenge again); real skopeo ({@code --creds}), podman ({@code login} then {@code pull}) and helm
 * ({@code registry login} then {@code pull oci://}) log in and pull; wrong passwords are refused; no
 * password or token appears in a log line.
 */
class ServeTokenAuthTest {
  static final String USER = "puller";
  static final String PASSWORD = "tr0ub4dor&3-token";
  static final String APP_REPO = "ghcr.io/acme/tools/app";

  @TempDir static Path tmp;
  static SampleContent sample;
  static Path htpasswd;
  static RegistryServer server;
  static final List<String> log = new CopyOnWriteArrayList<>();
  static final List<String> tokens = new CopyOnWriteArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    htpasswd = tmp.resolve("htpasswd");
    Files.writeString(htpasswd, USER + ":" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n"
        + "limited:" + OpenBSDBCrypt.generate("2y", "right".toCharArray(), salt, 5) + "\n"
        + "skopeo:" + OpenBSDBCrypt.generate("2y", "s".toCharArray(), salt, 5) + "\n"
        + "podman:" + OpenBSDBCrypt.generate("2y", "p".toCharArray(), salt, 5) + "\n"
        + "ctr:" + OpenBSDBCrypt.generate("2y", "c".toCharArray(), salt, 5) + "\n"
        + "helm:" + OpenBSDBCrypt.generate("2y", "h".toCharArray(), salt, 5) + "\n");
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8, false,
        Htpasswd.read(htpasswd), TokenAuth.defaults(), log::add);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    for (String line : log) {
      assertThat(line).doesNotContain(PASSWORD).doesNotContain("guess");
      for (String t : tokens) {
        assertThat(line).doesNotContain(t.substring(t.lastIndexOf('.') + 1));
      }
    }
  }

  static HttpResponse<byte[]> get(RegistryServer s, String method, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + s.hostPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static String tokenPath(String... scopes) {
    StringBuilder q = new StringBuilder("/token?service=airlock");
    for (String s : scopes) {
      q.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
    }
    return q.toString();
  }

  /** A token for {@code scopes} from {@code s}'s endpoint, as USER. */
  static String token(RegistryServer s, String... scopes) throws Exception {
    HttpResponse<byte[]> r = get(s, "GET", tokenPath(scopes), basic(USER, PASSWORD));
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    String t = Json.tree(r.body(), "token").path("token").asText();
    tokens.add(t);
    return t;
  }

  static JsonNode claims(String token) throws IOException {
    return Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
  }

  @Test
  void registryRequestsWithoutATokenAreChallengedToTheTokenEndpoint() throws Exception {
    HttpResponse<byte[]> root = get(server, "GET", "/v2/", null);
    assertThat(root.statusCode()).isEqualTo(401);
    String realm = "Bearer realm=\"http://" + server.hostPort() + "/token\",service=\"airlock\"";
    assertThat(root.headers().firstValue("WWW-Authenticate")).hasValue(realm);
    HttpResponse<byte[]> manifest = get(server, "HEAD", "/v2/" + APP_REPO + "/manifests/2.0", null);
    assertThat(manifest.statusCode()).isEqualTo(401);
    assertThat(manifest.headers().firstValue("WWW-Authenticate"))
        .hasValue(realm + ",scope=\"repository:" + APP_REPO + ":pull\"");
    assertThat(get(server, "GET", "/v2/_catalog", null).headers().firstValue("WWW-Authenticate"))
        .hasValue(realm + ",scope=\"registry:catalog:*\"");
    // behind a TLS-terminating proxy the realm is https, on the host the client used
    HttpResponse<byte[]> proxied = http.send(HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + "/v2/"))
        .header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(proxied.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"https://" + server.hostPort() + "/token\",service=\"airlock\"");
    // Basic credentials are for the token endpoint, not the registry
    HttpResponse<byte[]> basicAtRegistry = get(server, "GET", "/v2/", basic(USER, PASSWORD));
    assertThat(basicAtRegistry.statusCode()).isEqualTo(401);
    assertThat(basicAtRegistry.headers().firstValue("WWW-Authenticate")).hasValue(realm);
  }

  @Test
  void theTokenEndpointNeedsTheRightPasswordAndGrantsPullOnly() throws Exception {
    HttpResponse<byte[]> none = get(server, "GET", tokenPath("repository:" + APP_REPO + ":pull"), null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"airlock\"");
    HttpResponse<byte[]> wrong = get(server, "GET", tokenPath("repository:" + APP_REPO + ":pull"), basic(USER, "guess-1"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(log).anyMatch(l -> l.contains("failed login for user " + USER));

    Instant before = Instant.now().minusSeconds(1);
    HttpResponse<byte[]> ok = get(server, "GET", tokenPath("repository:" + APP_REPO + ":pull,push",
        "repository:docker.io/library/demo:delete", "registry:catalog:*"), basic(USER, PASSWORD));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(ok.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode body = Json.tree(ok.body(), "token response");
    String token = body.path("token").asText();
    tokens.add(token);
    assertThat(body.path("access_token").asText()).isEqualTo(token);
    assertThat(body.path("expires_in").asLong()).isEqualTo(300);
    Instant issued = Instant.parse(body.path("issued_at").asText());
    assertThat(issued).isBetween(before, Instant.now());
    JsonNode claims = claims(token);
    assertThat(claims.path("sub").asText()).isEqualTo(USER);
    assertThat(claims.path("aud").asText()).isEqualTo("airlock");
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(300);
    // push and delete are left out: pull on the app, the catalog, nothing on demo
    assertThat(claims.path("access").toString()).isEqualTo("[{\"type\":\"repository\",\"name\":\"" + APP_REPO
        + "\",\"actions\":[\"pull\"]},{\"type\":\"registry\",\"name\":\"catalog\",\"actions\":[\"*\"]}]");

    String bearer = "Bearer " + token;
    assertThat(get(server, "GET", "/v2/", bearer).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> m = get(server, "GET", "/v2/" + APP_REPO + "/manifests/2.0", bearer);
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(m.body())).isEqualTo(sample.app);
    assertThat(get(server, "GET", "/v2/_catalog", bearer).statusCode()).isEqualTo(200);
    assertThat(get(server, "GET", "/v2/" + APP_REPO + "/tags/list", bearer).statusCode()).isEqualTo(200);

    // another repository: not in the token
    HttpResponse<byte[]> other = get(server, "GET", "/v2/docker.io/library/demo/manifests/1.0", bearer);
    assertThat(other.statusCode()).isEqualTo(401);
    assertThat(other.headers().firstValue("WWW-Authenticate").orElseThrow())
        .endsWith(",scope=\"repository:docker.io/library/demo:pull\",error=\"insufficient_scope\"");
    // a write: push is never granted
    HttpResponse<byte[]> put = get(server, "PUT", "/v2/" + APP_REPO + "/manifests/2.0", bearer);
    assertThat(put.statusCode()).isEqualTo(401);
    assertThat(put.headers().firstValue("WWW-Authenticate").orElseThrow())
        .endsWith(",scope=\"repository:" + APP_REPO + ":push\",error=\"insufficient_scope\"");
    HttpResponse<byte[]> upload = get(server, "POST", "/v2/" + APP_REPO + "/blobs/uploads/", bearer);
    assertThat(upload.statusCode()).isEqualTo(401);
    assertThat(get(server, "DELETE", "/v2/" + APP_REPO + "/manifests/2.0", bearer).headers()
        .firstValue("WWW-Authenticate").orElseThrow()).contains(":delete\",error=\"insufficient_scope\"");
    // a token for another service is not asked for here
    assertThat(get(server, "GET", "/token?service=elsewhere", basic(USER, PASSWORD)).statusCode()).isEqualTo(400);
    // OAuth2 POST: 405, clients fall back to GET
    assertThat(get(server, "POST", "/token", null).statusCode()).isEqualTo(405);
  }

  @Test
  void theScopeARequestNeedsNamesTheRepositoryTheRouterServes() {
    assertThat(TokenAuthHandler.required("GET", "/v2/")).isNull();
    assertThat(TokenAuthHandler.required("GET", "/v2")).isNull();
    assertThat(TokenAuthHandler.required("GET", "/v2/_catalog")).hasToString("registry:catalog:*");
    assertThat(TokenAuthHandler.required("HEAD", "/v2/a/b/manifests/1.0")).hasToString("repository:a/b:pull");
    assertThat(TokenAuthHandler.required("GET", "/v2/a/blobs/sha256:00")).hasToString("repository:a:pull");
    assertThat(TokenAuthHandler.required("GET", "/v2/a/tags/list")).hasToString("repository:a:pull");
    assertThat(TokenAuthHandler.required("GET", "/v2/a/referrers/sha256:00")).hasToString("repository:a:pull");
    // a repository whose name holds a route word: the last one splits, as the router splits it
    assertThat(TokenAuthHandler.required("GET", "/v2/a/manifests/b/manifests/1.0")).hasToString("repository:a/manifests/b:pull");
    assertThat(TokenAuthHandler.required("GET", "/v2/a/manifests/b/tags/list")).hasToString("repository:a/manifests/b:pull");
    assertThat(TokenAuthHandler.required("GET", "/v2/a/blobs/uploads/x")).hasToString("repository:a:push");
    assertThat(TokenAuthHandler.required("PATCH", "/v2/a/blobs/x")).hasToString("repository:a:push");
    assertThat(TokenAuthHandler.required("DELETE", "/v2/a/manifests/1.0")).hasToString("repository:a:delete");
    assertThat(TokenAuthHandler.granted(TokenScope.parseAll(List.of("repository:a:push repository:b:* registry:catalog:*",
        "repository:ghcr.io/acme/c:pull", "repository:localhost:5000/c:pull", "repository:../x:pull", "other:thing:pull",
        "garbage")))) // a name with a port or '..' cannot be served (the router answers NAME_INVALID): not granted
        .hasToString("[repository:b:pull, registry:catalog:*, repository:ghcr.io/acme/c:pull]");
  }

  @Test
  void tamperedForeignAndUnsignedTokensAreRefusedWithTheChallenge() throws Exception {
    String token = token(server, "repository:" + APP_REPO + ":pull");
    String path = "/v2/" + APP_REPO + "/manifests/2.0";
    assertThat(get(server, "GET", path, "Bearer " + token).statusCode()).isEqualTo(200);
    String[] p = token.split("\\.");
    List<String> bad = new ArrayList<>();
    // the signature changed in one character
    char c = p[2].charAt(5);
    bad.add(p[0] + "." + p[1] + "." + p[2].substring(0, 5) + (c == 'A' ? 'B' : 'A') + p[2].substring(6));
    // the claims changed (another repository), signature kept
    bad.add(p[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8).replace(APP_REPO, "docker.io/library/demo")
            .getBytes(StandardCharsets.UTF_8)) + "." + p[2]);
    // alg none, no signature
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"
        .getBytes(StandardCharsets.UTF_8));
    bad.add(none + "." + p[1] + ".");
    bad.add(none + "." + p[1]);
    bad.add("not-a-token");
    // a token of another server (another key), same service name
    RegistryServer other = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4,
        false, Htpasswd.read(htpasswd), TokenAuth.defaults(), log::add);
    try {
      bad.add(token(other, "repository:" + APP_REPO + ":pull"));
    } finally {
      other.close();
    }
    for (String b : bad) {
      HttpResponse<byte[]> r = get(server, "GET", path, "Bearer " + b);
      assertThat(r.statusCode()).as(b).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).as(b)
          .startsWith("Bearer realm=\"http://" + server.hostPort() + "/token\"")
          .endsWith(",scope=\"repository:" + APP_REPO + ":pull\",error=\"invalid_token\"");
    }
    assertThat(get(server, "GET", "/v2/docker.io/library/demo/manifests/1.0", "Bearer " + bad.get(1)).statusCode())
        .isEqualTo(401);
  }

  @Test
  void anExpiredTokenGetsTheChallengeAgainAndANewTokenWorks() throws Exception {
    RegistryServer shortLived = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false,
        4, false, Htpasswd.read(htpasswd), new TokenAuth(Duration.ofSeconds(2), "airlock", false), log::add);
    try {
      String path = "/v2/" + APP_REPO + "/manifests/2.0";
      HttpResponse<byte[]> r = get(shortLived, "GET", tokenPath("repository:" + APP_REPO + ":pull"), basic(USER, PASSWORD));
      assertThat(Json.tree(r.body(), "t").path("expires_in").asLong()).isEqualTo(2);
      String token = Json.tree(r.body(), "t").path("token").asText();
      tokens.add(token);
      long exp = claims(token).path("exp").asLong();
      assertThat(get(shortLived, "GET", path, "Bearer " + token).statusCode()).isEqualTo(200);
      while (Instant.now().getEpochSecond() < exp) {
        Thread.sleep(100);
      }
      HttpResponse<byte[]> expired = get(shortLived, "GET", path, "Bearer " + token);
      assertThat(expired.statusCode()).isEqualTo(401);
      assertThat(expired.headers().firstValue("WWW-Authenticate").orElseThrow())
          .isEqualTo("Bearer realm=\"http://" + shortLived.hostPort() + "/token\",service=\"airlock\",scope=\"repository:"
              + APP_REPO + ":pull\",error=\"invalid_token\"");
      assertThat(get(shortLived, "GET", path, "Bearer " + token(shortLived, "repository:" + APP_REPO + ":pull"))
          .statusCode()).isEqualTo(200);
    } finally {
      shortLived.close();
    }
  }

  @Test
  void failedLoginsAtTheTokenEndpointAreRateLimited() throws Exception {
    for (int i = 0; i < BasicAuthHandler.MAX_FAILURES; i++) {
      assertThat(get(server, "GET", tokenPath(), basic("limited", "guess" + i)).statusCode()).isEqualTo(401);
    }
    assertThat(get(server, "GET", tokenPath(), basic("limited", "right")).statusCode()).isEqualTo(429);
    assertThat(log).anyMatch(l -> l.contains("failed login for user limited") && l.contains("(5 in the last minute)"));
    assertThat(get(server, "GET", tokenPath(), basic(USER, PASSWORD)).statusCode()).as("another user").isEqualTo(200);
  }

  @Test
  void anonymousPullsOnlyWhenAllowed() throws Exception {
    RegistryServer anon = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4,
        false, Htpasswd.read(htpasswd), new TokenAuth(TokenAuth.DEFAULT_TTL, "airlock", true), log::add);
    try {
      HttpResponse<byte[]> r = get(anon, "GET", tokenPath("repository:" + APP_REPO + ":pull,push"), null);
      assertThat(r.statusCode()).isEqualTo(200);
      String token = Json.tree(r.body(), "t").path("token").asText();
      assertThat(claims(token).path("sub").asText()).isEmpty();
      assertThat(get(anon, "GET", "/v2/" + APP_REPO + "/manifests/2.0", "Bearer " + token).statusCode()).isEqualTo(200);
      // a wrong password is still refused rather than treated as anonymous
      assertThat(get(anon, "GET", tokenPath(), basic(USER, "guess-anon")).statusCode()).isEqualTo(401);
    } finally {
      anon.close();
    }
  }

  @Test
  void tokenAuthNeedsAnHtpasswdFileAndLoopbackUntilTls() throws Exception {
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 2,
        false, null, TokenAuth.defaults(), l -> { })).isInstanceOf(InvalidInputException.class).hasMessageContaining("--htpasswd");
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "0.0.0.0:0", true, 2,
        false, Htpasswd.read(htpasswd), TokenAuth.defaults(), l -> { })).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("loopback");
    assertThat(TokenAuth.parseTtl("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(TokenAuth.parseTtl("90")).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> TokenAuth.parseTtl("30s")).isInstanceOf(InvalidInputException.class).hasMessageContaining("60");
    assertThatThrownBy(() -> TokenAuth.parseTtl("2d")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void skopeoLogsInWithCredsAndPullsAndAWrongPasswordIsRefused() throws Exception {
    Path skopeo = Peers.skopeo();
    String ref = "docker://" + server.hostPort() + "/" + SampleContent.APP;
    ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
    assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
    Path out = tmp.resolve("skopeo-copy");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "--src-creds", USER + ":" + PASSWORD, "docker://" + server.hostPort() + "/" + SampleContent.MULTI,
        "oci:" + out + ":x"), 120).assertOk();
    assertThat(dev.airlock.store.LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(sample.multiIndex);

    ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--creds", "skopeo:guess-skopeo", ref), 60);
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).containsIgnoringCase("unauthorized");
    ProcessRunner.Result none = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "--no-creds", ref), 60);
    assertThat(none.exitCode()).isNotZero();
  }

  @Test
  void podmanLogsInAndPulls() throws Exception {
    Path podman = Peers.podman();
    Path dir = Files.createDirectories(tmp.resolve("podman"));
    Path auth = dir.resolve("auth.json");
    Files.writeString(dir.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
    List<String> base = List.of(podman.toString(), "--root", dir.resolve("root").toString(), "--runroot",
        dir.resolve("run").toString(), "--storage-driver", "vfs", "--events-backend", "file", "--cgroup-manager", "cgroupfs");
    ProcessRunner.Result wrong = run(base, "login", "--tls-verify=false", "--authfile", auth.toString(), "-u", "podman",
        "-p", "guess-podman", server.hostPort());
    assertThat(wrong.exitCode()).isNotZero();
    assertThat(wrong.err()).contains("invalid username/password");
    assertThat(auth).doesNotExist();
    run(base, "login", "--tls-verify=false", "--authfile", auth.toString(), "-u", USER, "-p", PASSWORD,
        server.hostPort()).assertOk();
    ProcessRunner.Result pull = run(base, "pull", "--tls-verify=false", "--authfile", auth.toString(),
        "--signature-policy", dir.resolve("policy.json").toString(), server.hostPort() + "/" + SampleContent.APP);
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    ProcessRunner.Result digest = run(base, "image", "inspect", "--format", "{{.Digest}}",
        server.hostPort() + "/" + SampleContent.APP).assertOk();
    assertThat(digest.out().trim()).isEqualTo(sample.app.toString());
  }

  @Test
  void helmLogsInAndPullsTheChart() throws Exception {
    Path helm = Peers.helm();
    Path config = tmp.resolve("helm-registry.json");
    ProcessRunner.Result wrong = ProcessRunner.run(List.of(helm.toString(), "registry", "login", server.hostPort(),
        "--plain-http", "--registry-config", config.toString(), "-u", "helm", "-p", "guess-helm"), 60);
    assertThat(wrong.exitCode()).isNotZero();
    ProcessRunner.run(List.of(helm.toString(), "registry", "login", server.hostPort(), "--plain-http",
        "--registry-config", config.toString(), "-u", USER, "-p", PASSWORD), 60).assertOk();
    Path dest = Files.createDirectories(tmp.resolve("helm"));
    ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort() + "/ghcr.io/acme/charts/mychart",
        "--version", "0.1.0", "--plain-http", "--registry-config", config.toString(), "-d", dest.toString()), 60).assertOk();
    assertThat(dest.resolve("mychart-0.1.0.tgz")).exists();
    // without the login, refused
    Path empty = tmp.resolve("helm-empty.json");
    ProcessRunner.Result anon = ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort()
        + "/ghcr.io/acme/charts/mychart", "--version", "0.1.0", "--plain-http", "--registry-config", empty.toString(),
        "-d", Files.createDirectories(tmp.resolve("helm-anon")).toString()), 60);
    assertThat(anon.exitCode()).isNotZero();
  }

  @Test
  void containerdFetchesWithUserAndAWrongPasswordIsRefused() throws Exception {
    try (Containerd containerd = Containerd.start()) {
      List<String> base = List.of(Peers.ctr().toString(), "--address", containerd.address().toString(), "content", "fetch",
          "--plain-http", "--all-platforms"); // pull without unpacking: the sample's layers are not real file systems
      String ref = server.hostPort() + "/" + SampleContent.MULTI;
      ProcessRunner.Result wrong = run(base, "--user", "ctr:guess-ctr", ref);
      assertThat(wrong.exitCode()).isNotZero();
      assertThat(wrong.out() + wrong.err()).contains("failed to authorize").contains("401");
      ProcessRunner.Result anon = run(base, ref);
      assertThat(anon.exitCode()).isNotZero();
      run(base, "--user", USER + ":" + PASSWORD, ref).assertOk();
      assertThat(containerd.images()).contains(ref);
      ProcessRunner.Result digest = ProcessRunner.run(List.of(Peers.ctr().toString(), "--address",
          containerd.address().toString(), "images", "ls"), 30).assertOk();
      assertThat(digest.out()).contains(sample.multiIndex.toString());
      String content = ProcessRunner.run(List.of(Peers.ctr().toString(), "--address", containerd.address().toString(),
          "content", "ls", "-q"), 30).assertOk().out();
      assertThat(content.lines().filter(l -> !l.isBlank()).count()).isEqualTo(7); // index, 2 manifests, 2 configs, 2 layers
      assertThat(content).contains(sample.multiIndex.toString());
      sample.multiChildren.forEach(d -> assertThat(content).contains(d.toString()));
    }
  }

  @Test
  void theServeCommandIssuesTokensAndLogsNoCredentials() throws Exception {
    CommandResult noUsers = CommandResult.run("serve", tmp.resolve("layout").toString(), "--addr", "127.0.0.1:0", "--token-auth");
    assertThat(noUsers.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(noUsers.err()).contains("--token-auth needs --htpasswd");
    CommandResult shortTtl = CommandResult.run("serve", tmp.resolve("layout").toString(), "--addr", "127.0.0.1:0",
        "--htpasswd", htpasswd.toString(), "--token-auth", "--token-ttl", "30s");
    assertThat(shortTtl.exitCode()).isNotZero();
    assertThat(shortTtl.err()).contains("--token-ttl 30s is outside 60s .. 24h");
    CommandResult ttlAlone = CommandResult.run("serve", tmp.resolve("layout").toString(), "--token-ttl", "5m");
    assertThat(ttlAlone.exitCode()).isEqualTo(ExitCodes.USAGE);

    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "serve", tmp.resolve("layout").toString(),
        "--addr", "127.0.0.1:0", "--htpasswd", htpasswd.toString(), "--token-auth", "--token-ttl", "2m"))
        .redirectErrorStream(true).start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<String> addr = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      Pattern on = Pattern.compile("on http://([0-9.:]+)");
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
      assertThat(String.join("\n", lines)).contains("bearer tokens from http://" + hostPort + "/token, valid 120 s");
      Path skopeo = Peers.skopeo();
      String ref = "docker://" + hostPort + "/" + SampleContent.APP;
      ProcessRunner.Result ok = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
          "--creds", USER + ":" + PASSWORD, ref), 60).assertOk();
      assertThat(Digest.sha256(ok.out().getBytes(StandardCharsets.UTF_8))).isEqualTo(sample.app);
      ProcessRunner.Result wrong = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
          "--creds", "skopeo:guess-cli", ref), 60);
      assertThat(wrong.exitCode()).isNotZero();
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      reader.join(10_000);
    }
    assertThat(lines).anyMatch(l -> l.contains("failed login for user skopeo"));
    assertThat(lines).noneMatch(l -> l.contains(PASSWORD) || l.contains("guess-cli") || l.contains("Bearer")
        || l.contains("eyJ"));
  }

  private static ProcessRunner.Result run(List<String> base, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of(args));
    return ProcessRunner.run(cmd, 180);
  }
}
