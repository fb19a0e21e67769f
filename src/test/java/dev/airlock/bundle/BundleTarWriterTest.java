package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.progress.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTarWriterTest {
  @TempDir Path dir;

  /** Blobs of awkward sizes: empty, one byte, exactly a record, a record and one, several write buffers. */
  private Map<Digest, Long> blobs(Path blobDir) throws IOException {
    Files.createDirectories(blobDir);
    Map<Digest, Long> out = new TreeMap<>();
    Random r = new Random(7);
    for (int size : new int[] {0, 1, 512, 513, 3 * HashingFileOutput.BUFFER_SIZE + 17, 100_000}) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      Digest d = Digest.sha256(b);
      Files.write(blobDir.resolve(d.hex()), b);
      out.put(d, (long) size);
    }
    return out;
  }

  /** What the earlier writer (a commons-compress tar stream over the whole file) wrote for the same content. */
  private static byte[] referenceTar(Map<Digest, Long> blobs, Path blobDir, byte[] index) throws IOException {
    TreeMap<String, Object> all = new TreeMap<>();
    for (Digest d : blobs.keySet()) {
      all.put(d.blobPath(), d);
    }
    all.put("blobs/", Boolean.TRUE);
    all.put("blobs/sha256/", Boolean.TRUE);
    all.put("index.json", index);
    all.put("oci-layout", BundleTarWriter.OCI_LAYOUT_CONTENT.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Map.Entry<String, Object> e : all.entrySet()) {
        byte[] content = e.getValue() instanceof Digest d ? Files.readAllBytes(blobDir.resolve(d.hex()))
            : e.getValue() instanceof byte[] b ? b : null;
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        entry.setMode(content == null ? 040755 : 0100644);
        entry.setSize(content == null ? 0 : content.length);
        entry.setModTime(0L);
        entry.setIds(0, 0);
        entry.setUserName("");
        entry.setGroupName("");
        tar.putArchiveEntry(entry);
        if (content != null) {
          tar.write(content);
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
    return bytes.toByteArray();
  }

  @Test
  void writesTheSameBytesAsACommonsCompressTarStreamAndTheirDigest() throws IOException {
    Path blobDir = dir.resolve("blobs");
    Map<Digest, Long> blobs = blobs(blobDir);
    byte[] index = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
    Path out = dir.resolve("b.tar");

    BundleTarWriter.Result r = BundleTarWriter.write(out, blobs, d -> blobDir.resolve(d.hex()), d -> true, index,
        false, ProgressListener.NONE);

    byte[] written = Files.readAllBytes(out);
    assertThat(written).isEqualTo(referenceTar(blobs, blobDir, index));
    assertThat(r.size()).isEqualTo(written.length);
    assertThat(r.digest()).isEqualTo(Digest.sha256(written));
  }

  @Test
  void aLongNameGetsTheSamePaxHeaderAsBefore() throws IOException {
    String name = "blobs/sha512/" + "a".repeat(128);
    ByteArrayOutputStream reference = new ByteArrayOutputStream();
    TarArchiveOutputStream tar = new TarArchiveOutputStream(reference, 512, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(0100644);
    e.setSize(3);
    e.setModTime(0L);
    e.setIds(0, 0);
    e.setUserName("");
    e.setGroupName("");
    tar.putArchiveEntry(e);
    tar.flush();

    byte[] header = BundleTarWriter.header(name, 3, false);

    assertThat(header.length).isEqualTo(3 * 512); // PAX header record, its data record, the entry's record
    assertThat(header).isEqualTo(reference.toByteArray());
  }

  @Test
  void aReusedBlobThatNoLongerHashesTheSameFailsTheWrite() throws IOException {
    Path blobDir = dir.resolve("blobs");
    Map<Digest, Long> blobs = blobs(blobDir);
    Digest victim = blobs.keySet().stream().filter(d -> blobs.get(d) == 100_000).findFirst().orElseThrow();
    byte[] b = Files.readAllBytes(blobDir.resolve(victim.hex()));
    b[50_000] ^= 1;
    Files.write(blobDir.resolve(victim.hex()), b);

    assertThatThrownBy(() -> BundleTarWriter.write(dir.resolve("b.tar"), blobs, d -> blobDir.resolve(d.hex()),
        d -> false, new byte[] {'{', '}'}, false, ProgressListener.NONE))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining(victim.toString());
  }

  @Test
  void aBlobShorterThanAnnouncedFailsEvenWhenTrusted() throws IOException {
    Path blobDir = dir.resolve("blobs");
    Map<Digest, Long> blobs = blobs(blobDir);
    Digest victim = blobs.keySet().stream().filter(d -> blobs.get(d) == 513).findFirst().orElseThrow();
    Files.write(blobDir.resolve(victim.hex()), new byte[100]);

    assertThatThrownBy(() -> BundleTarWriter.write(dir.resolve("b.tar"), blobs, d -> blobDir.resolve(d.hex()),
        d -> true, new byte[] {'{', '}'}, false, ProgressListener.NONE))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining("513 bytes");
  }

  @Test
  void zstdWritesTheSameTarCompressedAndTheDigestOfTheCompressedFile() throws IOException {
    Path blobDir = dir.resolve("blobs");
    Map<Digest, Long> blobs = blobs(blobDir);
    byte[] index = "{}".getBytes(StandardCharsets.UTF_8);
    Path out = dir.resolve("b.tar.zst");

    BundleTarWriter.Result r = BundleTarWriter.write(out, blobs, d -> blobDir.resolve(d.hex()), d -> true, index,
        true, ProgressListener.NONE);

    byte[] compressed = Files.readAllBytes(out);
    assertThat(r.digest()).isEqualTo(Digest.sha256(compressed));
    assertThat(r.size()).isEqualTo(compressed.length);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (InputStream in = new ZstdInputStream(Files.newInputStream(out))) {
      in.transferTo(tar);
    }
    assertThat(tar.toByteArray()).isEqualTo(referenceTar(blobs, blobDir, index));
    int entries = 0;
    try (TarArchiveInputStream t = new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar.toByteArray()))) {
      while (t.getNextEntry() != null) {
        entries++;
      }
    }
    assertThat(entries).isEqualTo(blobs.size() + 4);
  }
}
