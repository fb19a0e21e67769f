package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.BundleTarball;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving a bundle tarball in place: blobs are slices of the tar, nothing is extracted. */
class ServeBundleTarballTest {
  @TempDir Path tmp;

  @Test
  void skopeoCopiesOutOfATarballAndRangesAreSlicesOfTheTar() throws Exception {
    SampleContent sample = SampleContent.write(tmp.resolve("layout"));
    Path tar = BundleTarball.of(tmp.resolve("layout"), tmp.resolve("bundle.tar"));
    try (RegistryServer server = RegistryServer.start(ServedContent.open(tar), "127.0.0.1:0", false, 4)) {
      Path out = tmp.resolve("out");
      ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
          "docker://" + server.hostPort() + "/docker.io/library/demo:1.0", "oci:" + out + ":x")).assertOk();
      assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(sample.multiIndex);
      HttpClient http = HttpClient.newHttpClient();
      String url = "http://" + server.hostPort() + "/v2/library/demo/blobs/" + sample.sharedLayer;
      byte[] whole = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
      assertThat(Digest.sha256(whole)).isEqualTo(sample.sharedLayer);
      HttpResponse<byte[]> tail = http.send(HttpRequest.newBuilder(URI.create(url)).header("Range", "bytes=-5").build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(tail.statusCode()).isEqualTo(206);
      assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(whole, whole.length - 5, whole.length));
    }
  }

  @Test
  void aTagWhoseIndexIsPlatformFilteredAnswersTheFilteredIndexAndTheOriginalStaysReachableByDigest() throws Exception {
    SampleContent sample = SampleContent.write(tmp.resolve("layout"));
    java.nio.file.Files.delete(tmp.resolve("layout").resolve(sample.multiChildren.get(1).blobPath()));
    Path tar = BundleTarball.of(tmp.resolve("layout"), tmp.resolve("bundle.tar"));
    Digest filtered = dev.airlock.manifestlists.FilteredIndex.of(sample.store.getManifest("", sample.multiIndex.toString()),
        java.util.Set.of(sample.multiChildren.get(0))).filtered().digest();
    try (RegistryServer server = RegistryServer.start(ServedContent.open(tar), "127.0.0.1:0", false, 4)) {
      Path out = tmp.resolve("out");
      ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
          "docker://" + server.hostPort() + "/library/demo:1.0", "oci:" + out + ":x")).assertOk();
      LayoutStore pulled = LayoutStore.open(out);
      assertThat(pulled.resolve("", "x").orElseThrow().digest()).as("the same digest import gives it").isEqualTo(filtered);
      assertThat(pulled.getManifest("", filtered.toString()).manifests()).extracting(d -> d.digest())
          .containsExactly(sample.multiChildren.get(0));
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://" + server.hostPort() + "/v2/library/demo/manifests/";
      HttpResponse<byte[]> original = http.send(HttpRequest.newBuilder(URI.create(base + sample.multiIndex))
          .header("Accept", "application/vnd.oci.image.index.v1+json").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(Digest.sha256(original.body())).as("byte for byte").isEqualTo(sample.multiIndex);
      HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(base + filtered)).method("HEAD",
          HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(filtered.toString());
    }
    // a fresh server asked for the filtered index by digest first (a client that kept it) finds it too
    try (RegistryServer server = RegistryServer.start(ServedContent.open(tar), "127.0.0.1:0", false, 4)) {
      HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
          + server.hostPort() + "/v2/library/demo/manifests/" + filtered)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Digest.sha256(r.body())).isEqualTo(filtered);
    }
  }
}
