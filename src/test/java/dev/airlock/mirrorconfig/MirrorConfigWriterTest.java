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
}
