package dev.airlock.store;

import static dev.airlock.testing.TestImages.layer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.archive.DockerArchiveStore;
import dev.airlock.store.archive.TarLayoutStore;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Layouts written by airlock are read by skopeo and pushed to a real registry; skopeo's output is read by airlock. */
class SkopeoInteropTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path dir;

  static ProcessRunner.Result skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Peers.skopeo().toString());
    cmd.add("--insecure-policy");
    cmd.addAll(List.of(args));
    return ProcessRunner.run(cmd, 120).assertOk();
  }

  static Digest rawDigest(String... inspectArgs) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("inspect", "--raw"));
    args.addAll(List.of(inspectArgs));
    return Digest.sha256(skopeo(args.toArray(String[]::new)).out().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void airlockLayoutIsReadBySkopeoAndPushedToARealRegistryWithTheSameDigests() throws Exception {
    Path root = dir.resolve("airlock-layout");
    LayoutStore s = LayoutStore.openOrCreate(root);
    RawManifest oci = TestImages.multiArch(s, "example.com/oci/app:1.0");
    // skopeo 1.9 ignores index.json entries with Docker media types (containers/image only looks at OCI
    // ones), so Docker v2 schema 2 manifests go under an OCI index here; the digests are still theirs.
    Platform amd64 = Platform.of("linux", "amd64", null);
    Platform arm64 = Platform.of("linux", "arm64", "v8");
    RawManifest docker = TestImages.index(s, List.of(
        TestImages.dockerImage(s, amd64, layer("docker base"), layer("docker amd64")),
        TestImages.dockerImage(s, arm64, layer("docker base"), layer("docker arm64"))), List.of(amd64, arm64));
    s.putManifest("example.com/docker/app", docker, "1.0");
    assertThat(docker.manifests()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.DOCKER_MANIFEST);
    RawManifest single = TestImages.image(s, Platform.of("linux", "amd64", null), layer("single"));
    s.putManifest("example.com/single", single, "1.0");

    // skopeo reads the raw bytes airlock stored, byte for byte, and understands the image
    assertThat(skopeo("inspect", "--raw", "oci:" + root + ":example.com/oci/app:1.0").out())
        .isEqualTo(new String(oci.bytes(), StandardCharsets.UTF_8));
    assertThat(skopeo("inspect", "oci:" + root + ":example.com/single:1.0").out())
        .contains("\"Digest\": \"" + single.digest() + "\"", "\"Architecture\": \"amd64\"");

    for (var c : List.of(List.of("example.com/oci/app:1.0", oci), List.of("example.com/docker/app:1.0", docker))) {
      String ref = (String) c.get(0);
      RawManifest idx = (RawManifest) c.get(1);
      String dest = "docker://" + registry.hostPort() + "/interop/" + (idx == oci ? "oci" : "docker") + ":1.0";
      skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "oci:" + root + ":" + ref, dest);
      assertThat(rawDigest("--tls-verify=false", dest)).isEqualTo(idx.digest());
      for (Descriptor child : idx.manifests()) {
        String byDigest = "docker://" + registry.hostPort() + "/interop/" + (idx == oci ? "oci" : "docker") + "@" + child.digest();
        assertThat(rawDigest("--tls-verify=false", byDigest)).isEqualTo(child.digest());
      }
    }
  }

  @Test
  void skopeoOutputsAreReadByAirlockWithTheSameDigests() throws Exception {
    // put an OCI multi-arch index into the registry (through skopeo, from a layout airlock wrote)
    Path src = dir.resolve("src");
    LayoutStore s = LayoutStore.openOrCreate(src);
    RawManifest idx = TestImages.multiArch(s, "app");
    String remote = "docker://" + registry.hostPort() + "/interop/from-skopeo:2.0";
    skopeo("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "oci:" + src + ":app", remote);
    Digest registryDigest = rawDigest("--tls-verify=false", remote);
    assertThat(registryDigest).isEqualTo(idx.digest());

    // skopeo writes an OCI layout: airlock reads it, digests identical, every blob verifies
    Path out = dir.resolve("skopeo-layout");
    skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false", remote, "oci:" + out + ":mirror/app:2.0");
    LayoutStore read = LayoutStore.open(out);
    assertThat(read.tags("")).containsExactly("mirror/app:2.0");
    RawManifest got = read.getManifest("", "mirror/app:2.0");
    assertThat(got.digest()).isEqualTo(registryDigest);
    for (Descriptor child : got.manifests()) {
      RawManifest m = read.getManifest("", child.digest().toString());
      for (Descriptor b : m.children()) {
        try (InputStream in = read.openBlob("", b)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
    }
    read.verifyAllBlobs();
    Inspection.Report report = Inspection.inspect(read, "", "mirror/app:2.0", true);
    assertThat(report.root().children()).extracting(n -> n.platform().toString())
        .containsExactly("linux/amd64", "linux/arm64/v8");

    // skopeo writes an oci-archive: read in place, same digests
    Path archive = dir.resolve("app.tar");
    skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false", remote, "oci-archive:" + archive + ":app:2.0");
    try (TarLayoutStore t = TarLayoutStore.open(archive)) {
      assertThat(t.getManifest("", "app:2.0").digest()).isEqualTo(registryDigest);
      assertThat(Inspection.inspect(t, "", "app:2.0", true).uniqueBlobs()).isEqualTo(report.uniqueBlobs());
    }

    // skopeo writes a docker-archive (legacy format, uncompressed layers): airlock generates the manifest,
    // and the layer digests it computes are the config's diff_ids
    Path save = dir.resolve("save.tar");
    String amd64 = remote.replace(":2.0", "@" + idx.manifests().get(0).digest());
    skopeo("copy", "--src-tls-verify=false", amd64, "docker-archive:" + save + ":example.com/saved:1");
    try (DockerArchiveStore d = DockerArchiveStore.open(save)) {
      assertThat(d.generatedManifests()).isTrue();
      RawManifest m = d.getManifest("", "example.com/saved:1");
      assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
      RawManifest original = s.getManifest("", idx.manifests().get(0).digest().toString());
      assertThat(m.config().digest()).isEqualTo(original.config().digest());
      assertThat(m.layers()).hasSameSizeAs(original.layers()).allSatisfy(l ->
          assertThat(l.mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER));
      assertThat(Inspection.inspect(d, "", "example.com/saved:1", true).root().platform().toString()).isEqualTo("linux/amd64");
    }
  }
}
