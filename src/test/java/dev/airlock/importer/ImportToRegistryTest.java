package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.history.ImportHistory;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
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
    return new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous(), keepSparse))
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
    String before = treeHash(registry.storage());
    CommandResult r = CommandResult.run("import", bad.toString(), "--to", registry.hostPort(), "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
    assertThat(r.err()).contains(sample.sharedLayer.toString());
    assertThat(treeHash(registry.storage())).isEqualTo(before);
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

  @Test
  @Order(4)
  void aSparseIndexIsSplitIntoPlatformTagsAndSaidSoInThePlan() throws Exception {
    Path layout = tmp.resolve("sparse");
    SampleContent s = SampleContent.write(layout);
    Digest arm = s.multiChildren.get(1);
    Files.delete(layout.resolve(arm.blobPath()));
    Path tar = BundleTarball.of(layout, tmp.resolve("sparse.tar"));
    ImportResult r = new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous(), false))
        .run(tar, new BundleImporter.Options(registry.hostPort() + "/sparse", new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), true, 4, null, null, null));
    assertThat(r.plan().describe()).anyMatch(l -> l.contains("SPLIT")).anyMatch(l -> l.contains("cannot be kept byte-for-byte"));
    ImportResult done = new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous(), false))
        .run(tar, new BundleImporter.Options(registry.hostPort() + "/sparse", new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, null));
    assertThat(done.proof()).anyMatch(l -> l.contains("sparse/library/demo:1.0-linux-amd64 -> " + s.multiChildren.get(0)));
    assertThat(get("/v2/sparse/library/demo/manifests/1.0").statusCode()).isEqualTo(404);
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

  /** A hash over every file's path and bytes under {@code dir}. */
  static String treeHash(Path dir) throws IOException {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.sorted().toList();
    }
    for (Path f : files) {
      md.update(dir.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      if (Files.isRegularFile(f)) {
        try (InputStream in = Files.newInputStream(f)) {
          md.update(in.readAllBytes());
        }
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
