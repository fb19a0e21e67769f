package dev.airlock.serve;

import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve against the distribution spec's pull and content-discovery rules (upstream conformance suite,
 * {@code conformance/02_pull_test.go} and {@code 03_discovery_test.go}): tags/list paging with {@code n},
 * {@code last} and {@code Link}; a referrer without {@code artifactType} listed (and filtered) under its
 * config media type; a manifest asked by a tag that cannot exist is 404 MANIFEST_UNKNOWN; referrers of a
 * repository that does not exist are an empty index.
 */
class ServeConformanceTest {
  static final String REPO = "example.com/conf/app";
  static final String SBOM_CONFIG = "application/vnd.example.sbom.config.v1+json";
  static final List<String> TAGS = List.of("1.0", "1.1", "2.0", "latest", "v3");

  @TempDir static Path tmp;
  static RegistryServer server;
  static RawManifest image;
  static RawManifest legacyReferrer;
  static RawManifest typedReferrer;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    LayoutStore store = LayoutStore.openOrCreate(tmp.resolve("layout"));
    Descriptor layer = store.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.layer("a.txt", "conformance"));
    Descriptor cfg = store.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(Platform.parse("linux/amd64"), "c", List.of()));
    image = TestImages.store(store, TestImages.manifest(null, cfg, List.of(layer), null), null);
    List<String> shuffled = new ArrayList<>(TAGS);
    java.util.Collections.reverse(shuffled); // index.json order is not the answer's order
    for (String t : shuffled) {
      store.addIndexEntry(image.descriptor().withAnnotation(Descriptor.REF_NAME, REPO + ":" + t));
    }
    // an image manifest used as an artifact, as older tools push them: no artifactType, a config of its own type
    Descriptor sbomCfg = store.putBytes(SBOM_CONFIG, utf8("{}"));
    Descriptor sbom = store.putBytes("application/spdx+json", utf8("{\"spdxVersion\":\"SPDX-2.3\"}"));
    legacyReferrer = TestImages.store(store, TestImages.manifest(null, sbomCfg, List.of(sbom), image.descriptor()), null);
    store.addIndexEntry(legacyReferrer.descriptor());
    typedReferrer = TestImages.referrer(store, image, MediaTypes.SIGSTORE_BUNDLE_V03, utf8("{}"));
    store.addIndexEntry(typedReferrer.descriptor());
    server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false, 4);
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
  }

  static HttpResponse<byte[]> request(String method, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static List<String> tags(HttpResponse<byte[]> r) {
    List<String> out = new ArrayList<>();
    Json.tree(r.body(), "tags").path("tags").forEach(t -> out.add(t.asText()));
    return out;
  }

  @Test
  void tagsListIsSortedAndPagesWithNAndLastAndALinkToTheNextPage() throws Exception {
    HttpResponse<byte[]> all = request("GET", "/v2/" + REPO + "/tags/list");
    assertThat(tags(all)).containsExactly("1.0", "1.1", "2.0", "latest", "v3");
    assertThat(all.headers().firstValue("Link")).isEmpty();

    List<String> walked = new ArrayList<>();
    String next = "/v2/" + REPO + "/tags/list?n=2";
    int pages = 0;
    while (next != null) {
      HttpResponse<byte[]> page = request("GET", next);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(tags(page)).hasSizeLessThanOrEqualTo(2);
      walked.addAll(tags(page));
      pages++;
      String link = page.headers().firstValue("Link").orElse(null);
      next = link == null ? null : link.substring(link.indexOf('<') + 1, link.indexOf('>'));
      if (link != null) {
        assertThat(link).endsWith("; rel=\"next\"");
      }
    }
    assertThat(walked).containsExactly("1.0", "1.1", "2.0", "latest", "v3");
    assertThat(pages).isEqualTo(3);

    assertThat(tags(request("GET", "/v2/" + REPO + "/tags/list?n=10&last=2.0"))).containsExactly("latest", "v3");
    assertThat(tags(request("GET", "/v2/" + REPO + "/tags/list?last=v3"))).isEmpty();
    HttpResponse<byte[]> none = request("GET", "/v2/" + REPO + "/tags/list?n=0");
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(tags(none)).isEmpty();
    assertThat(request("GET", "/v2/" + REPO + "/tags/list?n=-1").statusCode()).isEqualTo(400);
    assertThat(request("GET", "/v2/" + REPO + "/tags/list?n=many").statusCode()).isEqualTo(400);
  }

  @Test
  void aReferrerWithoutArtifactTypeIsListedAndFilteredUnderItsConfigMediaType() throws Exception {
    HttpResponse<byte[]> r = request("GET", "/v2/" + REPO + "/referrers/" + image.digest());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode idx = Json.tree(r.body(), "referrers");
    assertThat(idx.path("manifests")).hasSize(2);
    for (JsonNode d : idx.path("manifests")) {
      String expected = d.path("digest").asText().equals(legacyReferrer.digest().toString()) ? SBOM_CONFIG
          : MediaTypes.SIGSTORE_BUNDLE_V03;
      assertThat(d.path("artifactType").asText()).isEqualTo(expected);
    }
    HttpResponse<byte[]> filtered = request("GET", "/v2/" + REPO + "/referrers/" + image.digest() + "?artifactType="
        + java.net.URLEncoder.encode(SBOM_CONFIG, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
    JsonNode only = Json.tree(filtered.body(), "referrers").path("manifests");
    assertThat(only).hasSize(1);
    assertThat(only.path(0).path("digest").asText()).isEqualTo(legacyReferrer.digest().toString());
  }

  @Test
  void aManifestByATagThatCannotExistIs404ManifestUnknown() throws Exception {
    for (String method : List.of("GET", "HEAD")) {
      for (String tag : List.of(".hidden", "-dash", "x".repeat(129), "a+b")) {
        HttpResponse<byte[]> r = request(method, "/v2/" + REPO + "/manifests/" + tag);
        assertThat(r.statusCode()).as(method + " " + tag).isEqualTo(404);
        if (method.equals("GET")) {
          assertThat(Json.tree(r.body(), "error").path("errors").path(0).path("code").asText()).isEqualTo("MANIFEST_UNKNOWN");
        }
      }
    }
    assertThat(request("GET", "/v2/" + REPO + "/manifests/latest").statusCode()).isEqualTo(200);
  }

  @Test
  void referrersOfARepositoryThatDoesNotExistAreAnEmptyIndex() throws Exception {
    HttpResponse<byte[]> r = request("GET", "/v2/no/such/repo/referrers/" + image.digest());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(MediaTypes.OCI_INDEX);
    JsonNode idx = Json.tree(r.body(), "referrers");
    assertThat(idx.path("schemaVersion").asInt()).isEqualTo(2);
    assertThat(idx.path("manifests").isArray()).isTrue();
    assertThat(idx.path("manifests")).isEmpty();
    assertThat(request("GET", "/v2/no/such/repo/tags/list").statusCode()).isEqualTo(404); // tags of it: still unknown
  }
}
