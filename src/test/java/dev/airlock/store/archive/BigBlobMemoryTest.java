package dev.airlock.store.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob well over the heap is read in place from an oci-archive, and hashed, by a 64 MiB JVM. */
class BigBlobMemoryTest {
  static final long SIZE = 128L * 1024 * 1024;

  @TempDir Path dir;

  /** Deterministic bytes that are not all alike: a seeded random pattern of an odd length, repeated. */
  static InputStream generated() {
    byte[] pattern = new byte[(1 << 20) + 7];
    new java.util.Random(42).nextBytes(pattern);
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        return pos >= SIZE ? -1 : pattern[(int) (pos++ % pattern.length)] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= SIZE) {
          return -1;
        }
        int at = (int) (pos % pattern.length);
        int n = (int) Math.min(Math.min(len, SIZE - pos), pattern.length - at);
        System.arraycopy(pattern, at, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  static void put(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(data.length);
    tar.putArchiveEntry(e);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  @Test
  void inspectVerifyStreamsABlobBiggerThanTheHeap() throws Exception {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    try (InputStream in = generated()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    Digest layer = Digest.of(Digest.Algorithm.SHA256, md.digest());
    byte[] config = TestImages.config(Platform.parse("linux/amd64"), null, List.of());
    byte[] manifest = Json.write(TestImages.manifest(null, Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length),
        List.of(Descriptor.of(MediaTypes.OCI_LAYER, layer, SIZE)), null));
    byte[] index = Json.write(TestImages.index(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length)
        .withAnnotation(Descriptor.REF_NAME, "big"))));
    Path tarFile = dir.resolve("big.tar");
    try (OutputStream out = Files.newOutputStream(tarFile); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      put(tar, "index.json", index);
      put(tar, Digest.sha256(config).blobPath(), config);
      put(tar, Digest.sha256(manifest).blobPath(), manifest);
      TarArchiveEntry e = new TarArchiveEntry(layer.blobPath());
      e.setSize(SIZE);
      tar.putArchiveEntry(e);
      try (InputStream in = generated()) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
    }
    long start = System.nanoTime();
    ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.airlockJvm("64m", "inspect", "--verify", "-o", "json",
        "oci-archive:" + tarFile + ":big"), 300).assertOk();
    System.out.println("inspect --verify of a " + SIZE + " byte blob with -Xmx64m: " + (System.nanoTime() - start) / 1_000_000 + " ms");
    var json = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "inspect output");
    assertThat(json.path("refs").get(0).path("uniqueBytes").asLong()).isEqualTo(SIZE + config.length + manifest.length);
    assertThat(json.path("refs").get(0).path("manifest").path("layers").get(0).path("digest").asText()).isEqualTo(layer.toString());
    assertThat(List.of(r.err())).allSatisfy(err -> assertThat(err).doesNotContain("OutOfMemoryError"));
  }
}
