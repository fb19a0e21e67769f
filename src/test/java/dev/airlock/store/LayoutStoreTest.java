package dev.airlock.store;

import static dev.airlock.testing.TestImages.layer;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.testing.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutStoreTest {
  @TempDir Path dir;

  static List<String> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void createsAValidEmptyLayout() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir.resolve("l"));
    assertThat(Files.readString(dir.resolve("l/oci-layout"))).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    assertThat(Files.readString(dir.resolve("l/index.json")))
        .isEqualTo("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}");
    assertThat(s.tags("")).isEmpty();
    assertThat(LayoutStore.open(dir.resolve("l")).index()).isEmpty();
  }

  @Test
  void putAndGetBlobsVerifiedAtEndOfStream() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    byte[] data = utf8("some layer bytes");
    Descriptor d = s.putBytes(MediaTypes.OCI_LAYER, data);
    assertThat(s.blobSize("", d.digest())).hasValue(data.length);
    assertThat(s.hasBlob("", d.digest())).isTrue();
    try (InputStream in = s.openBlob("", d)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(files(dir)).contains(d.digest().blobPath()).noneMatch(f -> f.contains(".tmp"));
    // corrupt it on disk (same size): the reader fails at the end, naming the blob
    Files.write(s.blobPath(d.digest()), utf8("Some layer bytes"));
    assertThatThrownBy(() -> {
      try (InputStream in = s.openBlob("", d)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }).isInstanceOf(DigestMismatchException.class).hasMessageContaining(d.digest().toString());
    assertThatThrownBy(s::verifyAllBlobs).hasMessageContaining("does not match its name");
    Digest absent = Digest.sha256(utf8("nope"));
    assertThat(s.blobSize("", absent)).isEmpty();
    assertThatThrownBy(() -> s.openBlob("", Descriptor.of("x", absent, 4))).isInstanceOf(NotFoundException.class);
  }

  @Test
  void wrongContentIsNeverRenamedIntoPlace() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    Descriptor claimed = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(utf8("right")), 5);
    assertThatThrownBy(() -> s.putBlob("", claimed, () -> new ByteArrayInputStream(utf8("wrong"))))
        .isInstanceOf(DigestMismatchException.class);
    assertThatThrownBy(() -> s.putBlob("", claimed, () -> new ByteArrayInputStream(utf8("right, but longer"))))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(files(dir)).containsExactly("index.json", "oci-layout");
  }

  @Test
  void existingBlobIsNotWrittenAgain() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    Descriptor d = s.putBytes(MediaTypes.OCI_LAYER, utf8("abc"));
    Object key = Files.readAttributes(s.blobPath(d.digest()), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    s.putBlob("", d, () -> {
      throw new AssertionError("the source must not be opened for a blob already stored");
    });
    assertThat(Files.readAttributes(s.blobPath(d.digest()), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(key);
  }

  @Test
  void manifestsTagsAndReopen() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    RawManifest idx = TestImages.multiArch(s, "example.com/app:1.0");
    RawManifest single = TestImages.dockerImage(s, Platform.of("linux", "amd64", null), layer("solo"));
    s.putManifest("example.com/app", single, "solo");
    LayoutStore again = LayoutStore.open(dir);
    assertThat(again.tags("")).containsExactly("example.com/app:1.0", "example.com/app:solo");
    assertThat(again.tags("example.com/app")).containsExactly("1.0", "solo");
    assertThat(again.tags("example.com/other")).isEmpty();
    RawManifest got = again.getManifest("", "example.com/app:1.0");
    assertThat(got.bytes()).isEqualTo(idx.bytes());
    assertThat(got.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(again.getManifest("example.com/app", "solo").digest()).isEqualTo(single.digest());
    // children are found by digest though only the index is in index.json
    Descriptor child = idx.manifests().get(1);
    assertThat(again.getManifest("", child.digest().toString()).digest()).isEqualTo(child.digest());
    assertThat(again.resolve("", child.digest().toString())).get()
        .satisfies(d -> assertThat(d.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST));
    assertThatThrownBy(() -> again.getManifest("", "example.com/app:2.0")).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("example.com/app:2.0");
    // retagging replaces the entry
    again.putManifest("example.com/app", single, "1.0");
    assertThat(again.resolve("", "example.com/app:1.0").get().digest()).isEqualTo(single.digest());
    assertThat(again.index()).hasSize(2);
  }

  @Test
  void refusesAManifestWhoseBlobsAreMissing() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(utf8("x")), 1);
    RawManifest raw = RawManifest.of(Json.write(TestImages.manifest(null, config, List.of(), null)), null, "m");
    assertThatThrownBy(() -> s.putManifest("", raw, "t")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not stored yet");
    assertThat(s.tags("")).isEmpty();
  }

  @Test
  void referrersAreFoundThroughIndexJson() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    RawManifest img = TestImages.image(s, Platform.of("linux", "amd64", null), layer("a"));
    s.putManifest("", img, "img");
    RawManifest sbom = TestImages.referrer(s, img, MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\"}"),
        Map.of(Descriptor.CREATED, "2024-01-01T00:00:00Z"));
    LayoutStore again = LayoutStore.open(dir);
    assertThat(again.referrers("", img.digest(), null)).singleElement().satisfies(d -> {
      assertThat(d.digest()).isEqualTo(sbom.digest());
      assertThat(d.artifactType()).isEqualTo(MediaTypes.SPDX_JSON);
      assertThat(d.annotation(Descriptor.CREATED)).isEqualTo("2024-01-01T00:00:00Z");
    });
    assertThat(again.referrers("", img.digest(), MediaTypes.SPDX_JSON)).hasSize(1);
    assertThat(again.referrers("", img.digest(), MediaTypes.CYCLONEDX_JSON)).isEmpty();
    assertThat(again.referrers("", sbom.digest(), null)).isEmpty();
    // the referrer has no ref name, so it is not a tag
    assertThat(again.tags("")).containsExactly("img");
  }

  @Test
  void garbageCollectionKeepsWhatIsReachable() throws IOException {
    LayoutStore s = LayoutStore.openOrCreate(dir);
    RawManifest idx = TestImages.multiArch(s, "keep");
    RawManifest gone = TestImages.image(s, Platform.of("linux", "amd64", null), layer("unreferenced"));
    RawManifest sbom = TestImages.referrer(s, idx, MediaTypes.SPDX_JSON, utf8("{}"));
    Files.write(dir.resolve("blobs/sha256/.stale.tmp"), utf8("partial"));
    List<String> before = files(dir);
    long freed = s.garbageCollect();
    List<String> after = files(dir);
    assertThat(freed).isPositive();
    assertThat(after).doesNotContain(gone.digest().blobPath(), gone.config().digest().blobPath(),
        "blobs/sha256/.stale.tmp");
    // the shared base layer and everything under the index and the referrer stay
    assertThat(after).contains(idx.digest().blobPath(), sbom.digest().blobPath());
    for (Descriptor child : idx.manifests()) {
      RawManifest m = s.getManifest("", child.digest().toString());
      m.children().forEach(c -> assertThat(after).contains(c.digest().blobPath()));
    }
    assertThat(before.size() - after.size()).isEqualTo(4); // manifest, config, unique layer, temp file
    s.verifyAllBlobs();
  }

  @Test
  void refusesLayoutsWithBadIndexEntries() throws IOException {
    LayoutStore.openOrCreate(dir);
    Files.writeString(dir.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}");
    assertThatThrownBy(() -> LayoutStore.open(dir)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("index.json").hasMessageContaining("manifests[0]");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[");
    assertThatThrownBy(() -> LayoutStore.open(dir)).hasMessageContaining("not valid JSON");
    Files.delete(dir.resolve("oci-layout"));
    assertThatThrownBy(() -> LayoutStore.open(dir)).hasMessageContaining("not an OCI image layout");
  }

  @Test
  void openOrCreateRefusesANonEmptyDirectory() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "hi");
    assertThatThrownBy(() -> LayoutStore.openOrCreate(dir)).hasMessageContaining("not empty");
  }
}
