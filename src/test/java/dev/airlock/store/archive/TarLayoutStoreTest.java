package dev.airlock.store.archive;

import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarFixtures.Item;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarLayoutStoreTest {
  @TempDir Path dir;
  LayoutStore layout;
  RawManifest index;
  RawManifest sbom;

  @BeforeEach
  void layout() throws IOException {
    layout = LayoutStore.openOrCreate(dir.resolve("layout"));
    index = TestImages.multiArch(layout, "example.com/app:1.0");
    RawManifest child = layout.getManifest("", index.manifests().get(0).digest().toString());
    sbom = TestImages.referrer(layout, child, MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\"}"));
  }

  static void drain(InputStream in) throws IOException {
    try (in) {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }

  @Test
  void readsTheLayoutByOffsetWithTheSameDigests() throws IOException {
    Path tar = dir.resolve("a.tar");
    TarFixtures.tarDirectory(layout.root(), tar, "./");
    try (TarLayoutStore s = TarLayoutStore.open(tar)) {
      assertThat(s.describe()).isEqualTo("oci-archive:" + tar.toAbsolutePath());
      assertThat(s.tags("")).containsExactly("example.com/app:1.0");
      assertThat(s.tags("example.com/app")).containsExactly("1.0");
      assertThat(s.getManifest("", "example.com/app:1.0").bytes()).isEqualTo(index.bytes());
      byte[] all = Files.readAllBytes(tar);
      for (Descriptor child : index.manifests()) {
        RawManifest m = s.getManifest("", child.digest().toString());
        for (Descriptor b : m.children()) {
          TarEntry e = s.blobEntry(b.digest()).orElseThrow();
          byte[] onDisk = Files.readAllBytes(layout.blobPath(b.digest()));
          assertThat(java.util.Arrays.copyOfRange(all, (int) e.dataOffset(), (int) (e.dataOffset() + e.size()))).isEqualTo(onDisk);
          try (InputStream in = s.openBlob("", b)) {
            assertThat(in.readAllBytes()).isEqualTo(onDisk);
          }
        }
      }
      assertThat(s.referrers("", sbom.subject().digest(), null)).extracting(Descriptor::digest).containsExactly(sbom.digest());
      assertThat(s.entries()).extracting(TarEntry::name).contains("oci-layout", "index.json", index.digest().blobPath());
      assertThat(s.blobDigests()).contains(index.digest());
      assertThatThrownBy(() -> s.putManifest("", index, "x")).hasMessageContaining("read-only");
      assertThatThrownBy(() -> s.getManifest("", "example.com/app:2.0")).isInstanceOf(NotFoundException.class);
    }
  }

  @Test
  void corruptedBlobIsDetectedAtEndOfStream() throws IOException {
    Path tar = dir.resolve("a.tar");
    TarFixtures.tarDirectory(layout.root(), tar, "");
    Descriptor layer;
    long offset;
    try (TarLayoutStore s = TarLayoutStore.open(tar)) {
      layer = s.getManifest("", index.manifests().get(0).digest().toString()).layers().get(1);
      offset = s.blobEntry(layer.digest()).orElseThrow().dataOffset();
    }
    byte[] all = Files.readAllBytes(tar);
    all[(int) offset + 5] ^= 0x55;
    Files.write(tar, all);
    try (TarLayoutStore s = TarLayoutStore.open(tar)) {
      assertThatThrownBy(() -> drain(s.openBlob("", layer))).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(layer.digest().toString());
    }
  }

  @Test
  void zstdAndGzipArchivesAreDecompressedToATempFileFirst() throws IOException {
    Path tar = dir.resolve("a.tar");
    TarFixtures.tarDirectory(layout.root(), tar, "");
    Path zst = dir.resolve("a.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(zst))) {
      Files.copy(tar, out);
    }
    Path gz = dir.resolve("a.tar.gz");
    try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(tar, out);
    }
    for (Path p : List.of(zst, gz)) {
      Path temp;
      try (TarLayoutStore s = TarLayoutStore.open(p)) {
        assertThat(s.archive().compression()).isNotEqualTo(ArchiveFile.Compression.NONE);
        temp = s.archive().readable();
        assertThat(temp).isNotEqualTo(p).doesNotExist(); // unlinked at once, read through the open channel
        assertThat(s.getManifest("", "example.com/app:1.0").digest()).isEqualTo(index.digest());
      }
      assertThat(temp).doesNotExist();
    }
  }

  @Test
  void refusesUnexpectedEntriesLinksAndMissingFiles() throws IOException {
    List<Item> base = new ArrayList<>();
    base.add(Item.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
    base.add(Item.file("index.json", "{\"schemaVersion\":2,\"manifests\":[]}"));
    assertThat(open(base).tags("")).isEmpty();

    assertThatThrownBy(() -> open(plus(base, Item.file("notes.txt", "hi"))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("unexpected entry 'notes.txt'");
    assertThatThrownBy(() -> open(plus(base, Item.file("blobs/sha256/abc", "hi"))))
        .hasMessageContaining("blobs must be named");
    assertThatThrownBy(() -> open(plus(base, Item.symlink("blobs/sha256/" + "a".repeat(64), "/etc/passwd"))))
        .hasMessageContaining("is a link");
    assertThatThrownBy(() -> open(List.of(base.get(1)))).hasMessageContaining("no oci-layout");
    assertThatThrownBy(() -> open(List.of(base.get(0)))).hasMessageContaining("no index.json");
    assertThatThrownBy(() -> open(List.of(base.get(0), Item.file("index.json", "{\"manifests\":[")))).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> open(List.of(base.get(0), Item.file("index.json",
        "{\"manifests\":[{\"digest\":\"sha256:../../x\",\"size\":1}]}")))).hasMessageContaining("manifests[0]");
  }

  private TarLayoutStore open(List<Item> items) throws IOException {
    Path t = dir.resolve("x" + System.nanoTime() + ".tar");
    TarFixtures.write(t, items);
    return TarLayoutStore.open(t);
  }

  private static List<Item> plus(List<Item> base, Item extra) {
    List<Item> l = new ArrayList<>(base);
    l.add(extra);
    return l;
  }

  @Test
  void refusesATruncatedArchive() throws IOException {
    Path tar = dir.resolve("a.tar");
    TarFixtures.tarDirectory(layout.root(), tar, "");
    byte[] all = Files.readAllBytes(tar);
    Files.write(tar, java.util.Arrays.copyOf(all, all.length / 2));
    assertThatThrownBy(() -> TarLayoutStore.open(tar)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("truncated");
    assertThat(MediaTypes.OCI_INDEX).isEqualTo(index.mediaType());
  }
}
