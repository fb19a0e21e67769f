package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryServerTest {
  @TempDir static Path tmp;
  static SampleContent sample;
  static RegistryServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 8);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  static HttpResponse<byte[]> request(String method, String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return request("GET", path, Map.of());
  }

  static String errorCode(HttpResponse<byte[]> r) {
    return Json.tree(r.body(), "error").path("errors").path(0).path("code").asText();
  }

  @Test
  void skopeoCopiesEveryImageWithIdenticalDigests() throws Exception {
    Path skopeo = Peers.skopeo();
    int i = 0;
    for (Map.Entry<String, Digest> e : sample.tagged.entrySet()) {
      Path out = tmp.resolve("copy" + i++);
      ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
          "docker://" + server.hostPort() + "/" + e.getKey(), "oci:" + out + ":x")).assertOk();
      LayoutStore copied = LayoutStore.open(out);
      assertThat(copied.resolve("", "x").orElseThrow().digest()).as(e.getKey()).isEqualTo(e.getValue());
    }
    // the name without the host is an alias
    String raw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + server.hostPort() + "/library/demo:1.0")).assertOk().out();
    assertThat(Digest.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(sample.multiIndex);
  }

  @Test
  void helmPullsTheChart() throws Exception {
    Path helm = Peers.helm();
    Path dest = Files.createDirectories(tmp.resolve("helm"));
    ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + server.hostPort() + "/ghcr.io/acme/charts/mychart",
        "--version", "0.1.0", "--plain-http", "-d", dest.toString())).assertOk();
    assertThat(dest.resolve("mychart-0.1.0.tgz")).exists();
  }

  @Test
  void referrersApiListsSignaturesAndFilters() throws Exception {
    HttpResponse<byte[]> r = get("/v2/docker.io/library/demo/referrers/" + sample.multiIndex);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(MediaTypes.OCI_INDEX);
    JsonNode idx = Json.tree(r.body(), "referrers");
    assertThat(idx.path("manifests")).hasSize(1);
    assertThat(idx.path("manifests").path(0).path("digest").asText()).isEqualTo(sample.indexSignature.toString());
    assertThat(idx.path("manifests").path(0).path("artifactType").asText()).isEqualTo(MediaTypes.SIGSTORE_BUNDLE_V03);

    HttpResponse<byte[]> filtered = get("/v2/ghcr.io/acme/tools/app/referrers/" + sample.app + "?artifactType=" + "application/nothing");
    assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
    assertThat(Json.tree(filtered.body(), "r").path("manifests")).isEmpty();
    HttpResponse<byte[]> sbom = get("/v2/ghcr.io/acme/tools/app/referrers/" + sample.app + "?artifactType=application%2Fspdx%2Bjson");
    assertThat(Json.tree(sbom.body(), "r").path("manifests").path(0).path("digest").asText()).isEqualTo(sample.appSbom.toString());
  }

  @Test
  void unknownDigestsAre404WithTheOciErrorBody() throws Exception {
    String absent = Digest.sha256(new byte[] {1, 2, 3}).toString();
    HttpResponse<byte[]> blob = get("/v2/docker.io/library/demo/blobs/" + absent);
    assertThat(blob.statusCode()).isEqualTo(404);
    assertThat(errorCode(blob)).isEqualTo("BLOB_UNKNOWN");
    HttpResponse<byte[]> manifest = get("/v2/docker.io/library/demo/manifests/" + absent);
    assertThat(manifest.statusCode()).isEqualTo(404);
    assertThat(errorCode(manifest)).isEqualTo("MANIFEST_UNKNOWN");
    HttpResponse<byte[]> tag = get("/v2/docker.io/library/demo/manifests/nope");
    assertThat(errorCode(tag)).isEqualTo("MANIFEST_UNKNOWN");
    HttpResponse<byte[]> repo = get("/v2/no/such/repo/tags/list");
    assertThat(repo.statusCode()).isEqualTo(404);
    assertThat(errorCode(repo)).isEqualTo("NAME_UNKNOWN");
  }

  @Test
  void traversalMalformedAndWritesAreRefused() throws Exception {
    for (String p : List.of("/v2/../../etc/passwd/blobs/sha256:00", "/v2/docker.io/library/%2e%2e/manifests/1.0",
        "/v2/Docker.IO/x/manifests/1.0", "/v2/a//b/tags/list")) {
      HttpResponse<byte[]> r = get(p);
      assertThat(r.statusCode()).as(p).isEqualTo(400);
      assertThat(errorCode(r)).as(p).isEqualTo("NAME_INVALID");
    }
    HttpResponse<byte[]> badDigest = get("/v2/docker.io/library/demo/blobs/sha256:../../../etc/passwd");
    assertThat(badDigest.statusCode()).isIn(400);
    HttpResponse<byte[]> bad2 = get("/v2/docker.io/library/demo/blobs/sha256:ABC");
    assertThat(errorCode(bad2)).isEqualTo("DIGEST_INVALID");
    HttpResponse<byte[]> put = request("PUT", "/v2/docker.io/library/demo/manifests/evil", Map.of());
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(errorCode(put)).isEqualTo("UNSUPPORTED");
    HttpResponse<byte[]> post = request("POST", "/v2/docker.io/library/demo/blobs/uploads/", Map.of());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void blobsHonourRangeAndHead() throws Exception {
    String path = "/v2/library/demo/blobs/" + sample.sharedLayer;
    byte[] whole = get(path).body();
    assertThat(Digest.sha256(whole)).isEqualTo(sample.sharedLayer);
    HttpResponse<byte[]> part = request("GET", path, Map.of("Range", "bytes=3-9"));
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(whole, 3, 10));
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 3-9/" + whole.length);
    HttpResponse<byte[]> head = request("HEAD", path, Map.of());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(whole.length));
    assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(sample.sharedLayer.toString());
    HttpResponse<byte[]> beyond = request("GET", path, Map.of("Range", "bytes=" + whole.length + "-"));
    assertThat(beyond.statusCode()).isEqualTo(416);
  }

  @Test
  void catalogAndTags() throws Exception {
    JsonNode cat = Json.tree(get("/v2/_catalog").body(), "catalog");
    assertThat(cat.path("repositories").toString()).contains("\"docker.io/library/demo\"", "\"library/demo\"",
        "\"ghcr.io/acme/charts/mychart\"", "\"acme/tools/app\"");
    // airlock's own repository of the bundle root is not listed, but still answers by name
    assertThat(cat.path("repositories")).extracting(JsonNode::asText).doesNotContain("dev.airlock/bundle", "bundle");
    assertThat(get("/v2/dev.airlock/bundle/tags/list").statusCode()).isEqualTo(200);
    JsonNode tags = Json.tree(get("/v2/library/demo/tags/list").body(), "tags");
    assertThat(tags.path("tags").toString()).contains("1.0", sample.multiIndex.tagForm() + ".sig");
  }

  @Test
  void serveCommandRefusesBadInputWithOneLine() {
    dev.airlock.testing.CommandResult remote = dev.airlock.testing.CommandResult.run("serve", tmp.resolve("layout").toString(),
        "--addr", "0.0.0.0:0");
    assertThat(remote.exitCode()).isEqualTo(1);
    assertThat(remote.err()).contains("--allow-remote");
    dev.airlock.testing.CommandResult missing = dev.airlock.testing.CommandResult.run("serve", tmp.resolve("nope").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("does not exist").hasLineCount(1);
  }

  @Test
  void nonLoopbackNeedsAllowRemote() {
    assertThatThrownBy(() -> RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "0.0.0.0:0", false, 2))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("--allow-remote");
  }
}
