package dev.airlock.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** samples/make-sample-layout.sh makes a valid, deterministic layout that skopeo and airlock agree on. */
class SampleLayoutTest {
  @TempDir Path dir;

  static Path make(Path out) throws Exception {
    Path script = Path.of(System.getProperty("user.dir"), "samples", "make-sample-layout.sh");
    ProcessRunner.run(List.of("bash", script.toString(), out.toString()), 120).assertOk();
    return out;
  }

  @Test
  void sampleLayoutIsValidDeterministicAndHasWhatItPromises() throws Exception {
    Path a = make(dir.resolve("a"));
    Path b = make(dir.resolve("b"));
    assertThat(Files.readAllBytes(a.resolve("index.json"))).isEqualTo(Files.readAllBytes(b.resolve("index.json")));

    LayoutStore s = LayoutStore.open(a);
    s.verifyAllBlobs();
    assertThat(s.tags("")).containsExactly("example.com/samples/multiarch:1.0", "example.com/samples/tools:1.0");
    RawManifest idx = s.getManifest("", "example.com/samples/multiarch:1.0");
    assertThat(idx.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(idx.manifests()).extracting(d -> d.platform().toString()).containsExactly("linux/amd64", "linux/arm64/v8");
    RawManifest amd = s.getManifest("", idx.manifests().get(0).digest().toString());
    RawManifest arm = s.getManifest("", idx.manifests().get(1).digest().toString());
    assertThat(amd.layers().get(0)).isEqualTo(arm.layers().get(0)); // the shared base layer
    assertThat(amd.layers().get(1)).isNotEqualTo(arm.layers().get(1));
    Digest tools = s.resolve("", "example.com/samples/tools:1.0").orElseThrow().digest();
    assertThat(s.referrers("", tools, MediaTypes.SPDX_JSON)).singleElement()
        .satisfies(r -> assertThat(r.artifactType()).isEqualTo(MediaTypes.SPDX_JSON));
    Inspection.Report report = Inspection.inspect(s, "", "example.com/samples/multiarch:1.0", true);
    assertThat(report.uniqueBlobs()).isEqualTo(8); // index, 2 manifests, 2 configs, 3 layers

    // skopeo agrees it is a valid layout, with the same digests
    Path skopeo = Peers.skopeo();
    for (String ref : List.of("example.com/samples/multiarch:1.0", "example.com/samples/tools:1.0")) {
      ProcessRunner.Result r = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "oci:" + a + ":" + ref), 60).assertOk();
      Descriptor d = s.resolve("", ref).orElseThrow();
      assertThat(Digest.sha256(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(d.digest());
      ProcessRunner.run(List.of(skopeo.toString(), "inspect", "oci:" + a + ":" + ref), 60).assertOk();
    }
  }

  @Test
  void refusesANonEmptyOutputDirectory() throws Exception {
    Files.writeString(dir.resolve("keep.txt"), "mine");
    Path script = Path.of(System.getProperty("user.dir"), "samples", "make-sample-layout.sh");
    ProcessRunner.Result r = ProcessRunner.run(List.of("bash", script.toString(), dir.toString()), 60);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("not empty");
    assertThat(Files.list(dir).toList()).hasSize(1);
  }
}
