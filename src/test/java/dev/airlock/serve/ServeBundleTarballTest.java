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
}
