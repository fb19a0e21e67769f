package dev.airlock.store.archive;

import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarFixtures.Item;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveStoreTest {
  @TempDir Path dir;

  static final byte[] LAYER1 = TestImages.tar("etc/one.txt", utf8("one"));
  static final byte[] LAYER2 = TestImages.tar("etc/two.txt", utf8("two"));

  /** A config whose diff_ids are the digests of the given (uncompressed) layers. */
  static String config(byte[]... layers) {
    List<Digest> diffIds = Arrays.stream(layers).map(Digest::sha256).toList();
    return new String(TestImages.config(Platform.of("linux", "amd64", null), null, diffIds), StandardCharsets.UTF_8);
  }

  /** The legacy layout: {@code <id>/layer.tar}, {@code <hex>.json}, manifest.json; the second layer via a symlink. */
  Path legacy(String cfg, String repoTags) throws IOException {
    String cfgName = Digest.sha256(utf8(cfg)).hex() + ".json";
    String manifest = "[{\"Config\":\"" + cfgName + "\",\"RepoTags\":" + repoTags
        + ",\"Layers\":[\"1111/layer.tar\",\"2222/layer.tar\"]}]";
    Path t = dir.resolve("save" + System.nanoTime() + ".tar");
    TarFixtures.write(t, List.of(Item.dir("1111/"), Item.file("1111/layer.tar", LAYER1), Item.file("1111/VERSION", "1.0"),
        Item.file("abcd.tar", LAYER2), Item.dir("2222/"), Item.symlink("2222/layer.tar", "../abcd.tar"),
        Item.file(cfgName, cfg), Item.file("manifest.json", manifest), Item.file("repositories", "{}")));
    return t;
  }

  @Test
  void generatesADockerManifestForALegacyArchive() throws IOException {
    String cfg = config(LAYER1, LAYER2);
    try (DockerArchiveStore s = DockerArchiveStore.open(legacy(cfg, "[\"alpine:3.20\",\"localhost:5000/x/y\"]"))) {
      assertThat(s.generatedManifests()).isTrue();
      assertThat(s.tags("")).containsExactly("docker.io/library/alpine:3.20", "localhost:5000/x/y:latest");
      assertThat(s.tags("docker.io/library/alpine")).containsExactly("3.20");
      RawManifest m = s.getManifest("", "alpine:3.20");
      assertThat(s.getManifest("", "@0").digest()).isEqualTo(m.digest());
      assertThat(s.getManifest("", "docker.io/library/alpine:3.20").digest()).isEqualTo(m.digest());
      assertThat(s.getManifest("", m.digest().toString()).bytes()).isEqualTo(m.bytes());
      assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
      assertThat(m.config().digest()).isEqualTo(Digest.sha256(utf8(cfg)));
      assertThat(m.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
      assertThat(m.layers()).extracting(Descriptor::digest).containsExactly(Digest.sha256(LAYER1), Digest.sha256(LAYER2));
      assertThat(m.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.DOCKER_LAYER);
      try (InputStream in = s.openBlob("", m.layers().get(1))) {
        assertThat(in.readAllBytes()).isEqualTo(LAYER2);
      }
      assertThat(s.images()).singleElement().satisfies(i -> assertThat(i.manifest().digest()).isEqualTo(m.digest()));
      assertThat(s.referrers("", m.digest(), null)).isEmpty();
    }
  }

  @Test
  void layerThatDoesNotMatchTheConfigDiffIdsIsRefused() throws IOException {
    String cfg = config(LAYER2, LAYER1);
    assertThatThrownBy(() -> DockerArchiveStore.open(legacy(cfg, "[]"))).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("diff_ids[0]").hasMessageContaining("1111/layer.tar");
  }

  @Test
  void configThatDoesNotMatchItsNameIsRefused() throws IOException {
    String cfg = config(LAYER1, LAYER2);
    String manifest = "[{\"Config\":\"" + "e".repeat(64) + ".json\",\"RepoTags\":[],\"Layers\":[\"l.tar\"]}]";
    Path t = dir.resolve("bad.tar");
    TarFixtures.write(t, List.of(Item.file("e".repeat(64) + ".json", cfg), Item.file("l.tar", LAYER1),
        Item.file("manifest.json", manifest)));
    assertThatThrownBy(() -> DockerArchiveStore.open(t)).hasMessageContaining("does not match its name");
  }

  @Test
  void refusesLinksThatEscapeAndMissingFiles() throws IOException {
    Path t = dir.resolve("esc.tar");
    TarFixtures.write(t, List.of(Item.file("c.json", config(LAYER1)), Item.symlink("l/layer.tar", "../../etc/passwd"),
        Item.file("manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"l/layer.tar\"]}]")));
    assertThatThrownBy(() -> DockerArchiveStore.open(t)).hasMessageContaining("escapes the archive");
    Path u = dir.resolve("missing.tar");
    TarFixtures.write(u, List.of(Item.file("c.json", config(LAYER1)),
        Item.file("manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"nope.tar\"]}]")));
    assertThatThrownBy(() -> DockerArchiveStore.open(u)).hasMessageContaining("'nope.tar', which is not a file");
    Path v = dir.resolve("none.tar");
    TarFixtures.write(v, List.of(Item.file("hello.txt", "hi")));
    assertThatThrownBy(() -> DockerArchiveStore.open(v)).hasMessageContaining("not a docker save archive");
  }

  @Test
  void readsTheOciLayoutThatNewerDockerSaves() throws IOException {
    LayoutStore layout = LayoutStore.openOrCreate(dir.resolve("layout"));
    RawManifest img = TestImages.image(layout, Platform.of("linux", "amd64", null), TestImages.layer("x"));
    layout.addIndexEntry(img.descriptor()
        .withAnnotation("io.containerd.image.name", "docker.io/library/busybox:1.36")
        .withAnnotation(Descriptor.REF_NAME, "1.36"));
    Files.writeString(layout.root().resolve("manifest.json"), "[]");
    Files.writeString(layout.root().resolve("repositories"), "{}");
    Path t = dir.resolve("new.tar");
    TarFixtures.tarDirectory(layout.root(), t, "");
    try (DockerArchiveStore s = DockerArchiveStore.open(t)) {
      assertThat(s.generatedManifests()).isFalse();
      assertThat(s.tags("")).containsExactly("docker.io/library/busybox:1.36");
      assertThat(s.getManifest("", "busybox:1.36").bytes()).isEqualTo(img.bytes());
      assertThat(s.getManifest("", "@0").digest()).isEqualTo(img.digest());
    }
  }
}
