package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TreeHash;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Imports into a real docker-registry 2.8 (no referrers API, refuses sparse indexes). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportToRegistryTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static SampleContent sample;
  static Path bundle;
  static Path history;

  @BeforeAll
  static void bundle() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    bundle = BundleTarball.of(tmp.resolve("layout"), tmp.resolve("sample.tar"));
    history = tmp.resolve("history.db");
  }

  static ImportResult importTo(String to, boolean keepSparse) throws IOException {
    return new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous()))
        .run(bundle, new BundleImporter.Options(to, new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, history));
  }

  @Test
  @Order(1)
  void tamperedBundleExits3AndTheRegistryStorageIsUnchanged() throws IOException {
    Path bad = tmp.resolve("tampered");
    SampleContent.write(bad);
    Path layer = bad.resolve(sample.sharedLayer.blobPath());
    byte[] b = Files.readAllBytes(layer);
    b[b.length / 2] ^= 1;
    Files.write(layer, b);
    String before = TreeHash.of(registry.storage());
    CommandResult r = CommandResult.run("import", bad.toString(), "--to", registry.hostPort(), "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains(sample.sharedLayer.toString());
    assertThat(TreeHash.of(registry.storage())).isEqualTo(before);
  }

  @Test
  @Order(2)
  void importsEverythingAndSkopeoAndHelmPullItBackWithIdenticalDigests() throws Exception {
    Path config = tmp.resolve("config");
    CommandResult r = CommandResult.run("import", tmp.resolve("layout").toString(), "--to", registry.hostPort(),
        "--allow-unsigned", "--catalog", history.toString(), "--emit-config", config.toString());
    assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("referrers API: no").containsPattern("mounted [1-9]");

    Path skopeo = Peers.skopeo();
    Map<String, String> targets = Map.of(SampleContent.MULTI, "library/demo:1.0", SampleContent.APP, "acme/tools/app:2.0",
        SampleContent.CHART, "acme/charts/mychart:0.1.0", SampleContent.ARTIFACT, "acme/files/notes:v1");
    int i = 0;
    for (Map.Entry<String, String> e : targets.entrySet()) {
      Path out = tmp.resolve("pulled" + i++);
      ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
          "docker://" + registry.hostPort() + "/" + e.getValue(), "oci:" + out + ":x")).assertOk();
      assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).as(e.getKey())
          .isEqualTo(sample.tagged.get(e.getKey()));
    }
    Path helmDir = Files.createDirectories(tmp.resolve("helm"));
    ProcessRunner.run(List.of(Peers.helm().toString(), "pull", "oci://" + registry.hostPort() + "/acme/charts/mychart",
        "--version", "0.1.0", "--plain-http", "-d", helmDir.toString())).assertOk();
    assertThat(helmDir.resolve("mychart-0.1.0.tgz")).exists();

    // the fallback tag index lists every referrer, the cosign tag resolves
    assertThat(fallbackDigests("library/demo", sample.multiIndex)).contains(sample.indexSignature.toString());
    assertThat(fallbackDigests("acme/tools/app", sample.app)).contains(sample.appSbom.toString());
    HttpResponse<byte[]> sig = get("/v2/library/demo/manifests/" + sample.multiIndex.tagForm() + ".sig");
    assertThat(sig.headers().firstValue("Docker-Content-Digest")).hasValue(sample.cosignSig.toString());

    // mirror configuration from the mapping used
    assertThat(Files.readString(config.resolve("containerd/certs.d/docker.io/hosts.toml")))
        .contains("[host.\"http://" + registry.hostPort() + "/v2\"]").contains("override_path = true");
    assertThat(Files.readString(config.resolve("registries.conf"))).contains("prefix = \"ghcr.io/acme/tools/app\"")
        .contains("location = \"" + registry.hostPort() + "/acme/tools/app\"");
    assertThat(Files.readString(config.resolve("image-digest-mirror-set.yaml"))).contains("kind: ImageDigestMirrorSet")
        .contains("- source: docker.io/library/demo").contains("- " + registry.hostPort() + "/library/demo");
    assertThat(Files.readString(config.resolve("image-tag-mirror-set.yaml"))).contains("imageTagMirrors");
  }

  @Test
  @Order(3)
  void aSecondImportPushesNothing() throws IOException {
    ImportResult again = importTo(registry.hostPort(), false);
    assertThat(again.blobsPushed()).isZero();
    assertThat(again.bytesPushed()).isZero();
    assertThat(again.blobsMounted()).isZero();
    assertThat(again.manifestsPushed()).isZero();
    assertThat(again.blobsSkipped()).isEqualTo(again.plan().blobs());
    assertThat(again.proof()).isNotEmpty();
    assertThat(ImportHistory.list(history)).extracting(x -> x.status())
        .containsExactly("verification-failed", "ok", "ok");
  }

  static Path sparseBundle;
  static SampleContent sparseSample;

  /** The sample content with the arm64 child of its multi-arch index left out, as a platform filter leaves it. */
  static Path sparseBundle() throws IOException {
    if (sparseBundle == null) {
      Path layout = tmp.resolve("sparse");
      sparseSample = SampleContent.write(layout);
      Files.delete(layout.resolve(sparseSample.multiChildren.get(1).blobPath()));
      sparseBundle = BundleTarball.of(layout, tmp.resolve("sparse.tar"));
    }
    return sparseBundle;
  }

  static ImportResult importSparse(String prefix, SparseIndexMode mode, boolean dryRun) throws IOException {
    return new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous()))
        .run(sparseBundle(), new BundleImporter.Options(registry.hostPort() + "/" + prefix, new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), dryRun, 4, null, null, history).withSparseIndex(mode));
  }

  @Test
  @Order(4)
  void aSparseIndexTheRegistryRefusesIsReplacedByAFilteredIndexUnderItsTagThatSkopeoCopiesWhole() throws Exception {
    ImportResult plan = importSparse("sparse", SparseIndexMode.AUTO, true);
    ImportItem item = plan.plan().items().stream().filter(ImportItem::sparse).findFirst().orElseThrow();
    Digest filtered = item.filtered().digest();
    assertThat(plan.plan().describe()).anyMatch(l -> l.contains("index: the original " + sparseSample.multiIndex.shortForm()
        + " if the registry accepts it, else the filtered index " + filtered.shortForm() + " (left out of the bundle: linux/arm64/v8)"));

    ImportResult done = importSparse("sparse", SparseIndexMode.AUTO, false);
    assertThat(done.indexes()).singleElement().satisfies(p -> {
      assertThat(p.filtered()).isTrue();
      assertThat(p.pushed().digest()).isEqualTo(filtered);
      assertThat(p.reason()).contains("the registry refused the original (HTTP 400 MANIFEST_BLOB_UNKNOWN");
    });
    assertThat(done.proof()).anyMatch(l -> l.equals("ok  " + registry.hostPort() + "/sparse/library/demo:1.0 -> " + filtered));
    // the tag is the filtered index: the carried child only, and the original's digest named
    HttpResponse<byte[]> idx = get("/v2/sparse/library/demo/manifests/1.0");
    assertThat(idx.statusCode()).isEqualTo(200);
    JsonNode tree = Json.tree(idx.body(), "filtered");
    assertThat(tree.path("manifests")).hasSize(1);
    assertThat(tree.path("manifests").get(0).path("digest").asText()).isEqualTo(sparseSample.multiChildren.get(0).toString());
    assertThat(tree.path("annotations").path("dev.airlock.index.filtered-from").asText()).isEqualTo(sparseSample.multiIndex.toString());
    Path out = tmp.resolve("sparse-pulled");
    ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "docker://" + registry.hostPort() + "/sparse/library/demo:1.0", "oci:" + out + ":x")).assertOk();
    assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(filtered);
    // the original index's own signatures stay attached to the original digest (they do not sign the filtered one)
    HttpResponse<byte[]> sig = get("/v2/sparse/library/demo/manifests/" + sparseSample.multiIndex.tagForm() + ".sig");
    assertThat(sig.headers().firstValue("Docker-Content-Digest")).hasValue(sparseSample.cosignSig.toString());
    assertThat(fallbackDigests("sparse/library/demo", sparseSample.multiIndex)).contains(sparseSample.indexSignature.toString());
    // the history says what stands at the tag
    ImportRecord.Image row = ImportHistory.list(history).get(ImportHistory.list(history).size() - 1).images().stream()
        .filter(i -> i.source().equals(SampleContent.MULTI)).findFirst().orElseThrow();
    assertThat(row.index()).isEqualTo("filtered");
    assertThat(row.digest()).isEqualTo(filtered.toString());
    assertThat(row.sourceDigest()).isEqualTo(sparseSample.multiIndex.toString());
    assertThat(row.leftOut()).containsExactly("linux/arm64/v8");

    ImportResult again = importSparse("sparse", SparseIndexMode.AUTO, false);
    assertThat(again.manifestsPushed()).isZero();
    assertThat(again.indexes()).singleElement().satisfies(p -> assertThat(p.reason()).contains("from an earlier import"));
  }

  @Test
  @Order(5)
  void keepFailsWhenTheRegistryRefusesTheOriginalAndFailStopsAtThePlanPushingNothing() throws Exception {
    assertThatThrownBy(() -> importSparse("keep", SparseIndexMode.KEEP, false))
        .hasMessageContaining(registry.hostPort() + " refused the platform-filtered index " + sparseSample.multiIndex)
        .hasMessageContaining("HTTP 400 MANIFEST_BLOB_UNKNOWN").hasMessageContaining("--sparse-index=auto");
    assertThat(get("/v2/keep/library/demo/manifests/1.0").statusCode()).isEqualTo(404);

    String before = TreeHash.of(registry.storage());
    assertThatThrownBy(() -> importSparse("fail", SparseIndexMode.FAIL, false))
        .hasMessageContaining("--sparse-index=fail: 1 platform-filtered index (" + SampleContent.MULTI + ")")
        .hasMessageContaining("nothing was pushed");
    assertThat(TreeHash.of(registry.storage())).isEqualTo(before);
    CommandResult cli = CommandResult.run("import", tmp.resolve("sparse").toString(), "--to", registry.hostPort() + "/fail",
        "--allow-unsigned", "--sparse-index", "fail", "--catalog", history.toString());
    assertThat(cli.exitCode()).as(cli.err()).isEqualTo(1);
    assertThat(cli.out()).contains("stops the import here, before anything is pushed (--sparse-index=fail)");
    assertThat(CommandResult.run("import", tmp.resolve("sparse").toString(), "--to", registry.hostPort(), "--allow-unsigned",
        "--sparse-index", "sometimes").err()).contains("expected one of auto, keep, filter, platform-tags, fail");
  }

  @Test
  @Order(6)
  void filterAndPlatformTagsModes() throws Exception {
    ImportResult f = importSparse("filter", SparseIndexMode.FILTER, false);
    Digest filtered = f.indexes().get(0).pushed().digest();
    assertThat(f.indexes().get(0).reason()).isEqualTo("--sparse-index=filter");
    assertThat(get("/v2/filter/library/demo/manifests/1.0").headers().firstValue("Docker-Content-Digest"))
        .hasValue(filtered.toString());
    ImportResult t = importSparse("tags", SparseIndexMode.PLATFORM_TAGS, false);
    assertThat(t.proof()).anyMatch(l -> l.equals("ok  " + registry.hostPort() + "/tags/library/demo:1.0 -> " + filtered))
        .anyMatch(l -> l.equals("ok  " + registry.hostPort() + "/tags/library/demo:1.0-linux-amd64 -> "
            + sparseSample.multiChildren.get(0)));
    assertThat(get("/v2/tags/library/demo/manifests/1.0-linux-amd64").headers().firstValue("Docker-Content-Digest"))
        .hasValue(sparseSample.multiChildren.get(0).toString());
  }

  static List<String> fallbackDigests(String repo, Digest subject) throws Exception {
    HttpResponse<byte[]> r = get("/v2/" + repo + "/manifests/" + subject.tagForm());
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode idx = Json.tree(r.body(), "fallback index");
    return Stream.of(idx.path("manifests")).flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false))
        .map(m -> m.path("digest").asText()).toList();
  }

  static HttpResponse<byte[]> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + path))
        .header("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json").build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
