package dev.airlock.mirrorconfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorConfigWriterTest {
  @TempDir Path dir;

  @Test
  void prefixMappingsGetHostsTomlFlattenedOnesOnlyRegistriesConfAndMirrorSets() throws Exception {
    Map<String, String> mapping = new TreeMap<>(Map.of(
        "docker.io/library/alpine", "reg.internal:5000/mirror/library/alpine",
        "docker.io/bitnami/redis", "reg.internal:5000/mirror/bitnami/redis",
        "ghcr.io/acme/tools/app", "reg.internal:5000/mirror/ghcr.io-acme-tools-app"));
    List<String> notes = MirrorConfigWriter.write(dir, "Demo Bundle", mapping, false);
    String hosts = Files.readString(dir.resolve("containerd/certs.d/docker.io/hosts.toml"));
    assertThat(hosts).contains("server = \"https://registry-1.docker.io\"")
        .contains("[host.\"https://reg.internal:5000/v2/mirror\"]").contains("override_path = true");
    assertThat(dir.resolve("containerd/certs.d/ghcr.io/hosts.toml")).doesNotExist();
    assertThat(notes).anyMatch(n -> n.contains("no containerd hosts.toml for ghcr.io"));
    assertThat(Files.readString(dir.resolve("registries.conf")))
        .contains("[[registry]]\nprefix = \"ghcr.io/acme/tools/app\"\nlocation = \"ghcr.io/acme/tools/app\"")
        .contains("[[registry.mirror]]\nlocation = \"reg.internal:5000/mirror/ghcr.io-acme-tools-app\"")
        .doesNotContain("insecure");
    String idms = Files.readString(dir.resolve("image-digest-mirror-set.yaml"));
    assertThat(idms).contains("kind: ImageDigestMirrorSet").contains("name: airlock-demo-bundle")
        .contains("  - source: docker.io/library/alpine\n    mirrors:\n    - reg.internal:5000/mirror/library/alpine");
    assertThat(Files.readString(dir.resolve("image-tag-mirror-set.yaml"))).contains("kind: ImageTagMirrorSet")
        .contains("imageTagMirrors:");
    assertThat(Files.readString(dir.resolve("mapping.json"))).contains("\"docker.io/bitnami/redis\":\"reg.internal:5000/mirror/bitnami/redis\"");
  }

  @Test
  void aSourceHostWithAPortGetsTheDirectoryContainerdLooksUp() throws Exception {
    MirrorConfigWriter.write(dir, "b", Map.of("127.0.0.1:5001/library/alpine", "reg.internal:5000/library/alpine"), true);
    // containerd reads certs.d/HOST:PORT (or HOST_PORT_), never HOST_PORT
    assertThat(dir.resolve("containerd/certs.d/127.0.0.1:5001/hosts.toml")).exists();
    assertThat(dir.resolve("containerd/certs.d/127.0.0.1_5001")).doesNotExist();
    assertThat(Files.readString(dir.resolve("containerd/certs.d/127.0.0.1:5001/hosts.toml")))
        .contains("server = \"https://127.0.0.1:5001\"").contains("[host.\"http://reg.internal:5000/v2\"]");
  }

  @Test
  void aFilteredIndexIsNamedInEveryFileAndListedInMappingJson() throws Exception {
    dev.airlock.oci.Digest orig = dev.airlock.oci.Digest.parse("sha256:" + "0".repeat(64));
    dev.airlock.oci.Digest filt = dev.airlock.oci.Digest.parse("sha256:" + "f".repeat(64));
    dev.airlock.oci.Digest img = dev.airlock.oci.Digest.parse("sha256:" + "1".repeat(64));
    MirrorConfigWriter.write(dir, "b", Map.of("docker.io/library/alpine", "reg:5000/library/alpine",
        "docker.io/library/busybox", "reg:5000/library/busybox"), false, List.of(
        new MirrorConfigWriter.Image("docker.io/library/alpine:3.20", "reg:5000/library/alpine:3.20", orig, filt,
            List.of("linux/amd64", "linux/arm64/v8"), List.of("linux/s390x")),
        new MirrorConfigWriter.Image("docker.io/library/busybox:1", "reg:5000/library/busybox:1", img, img, List.of(), List.of())));
    for (String f : List.of("containerd/certs.d/docker.io/hosts.toml", "registries.conf", "image-digest-mirror-set.yaml",
        "image-tag-mirror-set.yaml")) {
      assertThat(Files.readString(dir.resolve(f))).as(f)
          .contains("# docker.io/library/alpine:3.20: the platform-filtered index " + orig + " is not at the mirror;"
              + " reg:5000/library/alpine:3.20 is the filtered index " + filt + " (linux/amd64, linux/arm64/v8)")
          .doesNotContain("busybox:1:");
    }
    var json = dev.airlock.oci.Json.tree(Files.readAllBytes(dir.resolve("mapping.json")), "mapping");
    var alpine = json.path("images").get(0);
    assertThat(alpine.path("source").asText()).isEqualTo("docker.io/library/alpine:3.20");
    assertThat(alpine.path("digest").asText()).isEqualTo(filt.toString());
    assertThat(alpine.path("sourceDigest").asText()).isEqualTo(orig.toString());
    assertThat(alpine.path("index").asText()).isEqualTo("filtered");
    assertThat(alpine.path("leftOut").get(0).asText()).isEqualTo("linux/s390x");
    assertThat(json.path("images").get(1).has("index")).isFalse();
    assertThat(json.path("repositories").path("docker.io/library/busybox").asText()).isEqualTo("reg:5000/library/busybox");
  }
}
