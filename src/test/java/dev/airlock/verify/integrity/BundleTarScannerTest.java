package dev.airlock.verify.integrity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.verify.TestBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parallel pass over a seekable tarball (headers first, blobs hashed on several threads) against the
 * sequential stream (threads = 0) and the one read that also hashes the whole file (one or two threads, whole
 * chunks or chunks that end inside headers and blobs): same blobs, same errors, the same blob named whatever
 * the scheduling.
 */
class BundleTarScannerTest {
  private static final int[] PATHS = {0, 1, 4};
  /** The file-hashing paths: threads and chunk size. */
  private static final int[][] HASHING = {{1, FileAndBlobHashing.CHUNK}, {2, FileAndBlobHashing.CHUNK}, {2, 700},
      {1, 513}, {2, 64}};
  @TempDir static Path tmp;
  static Path bundle;
  /** Blob entries in tar order: name, data offset, size. */
  static final List<Object[]> blobs = new ArrayList<>();

  @BeforeAll
  static void build() throws Exception {
    bundle = TestBundle.build(tmp, null, null, Instant.parse("2026-08-22T00:00:00Z"));
    byte[] tar = Files.readAllBytes(bundle);
    try (var in = new TarArchiveInputStream(Files.newInputStream(bundle))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.isFile() && e.getName().startsWith("blobs/")) {
          byte[] content = in.readAllBytes();
          blobs.add(new Object[] {e.getName(), TestBundle.offsetOf(tar, content), (long) content.length});
        }
      }
    }
  }

  @Test
  void everyPathFindsTheSameBlobsAndCleansUp() throws Exception {
    Map<Digest, Long> expected = null;
    for (int threads : PATHS) {
      Path spool;
      try (BundleScan scan = BundleTarScanner.scan(bundle, tmp, threads)) {
        spool = scan.spool();
        if (expected == null) {
          expected = scan.blobs();
        }
        assertThat(scan.blobs()).as("threads " + threads).isEqualTo(expected).hasSize(blobs.size());
        assertThat(BundleLayoutChecker.check(scan).blobs()).isEqualTo(blobs.size());
      }
      assertThat(spool).doesNotExist();
    }
    Digest whole = Digest.sha256(bundle);
    for (int[] h : HASHING) {
      Path spool;
      try (BundleScan scan = BundleTarScanner.scanHashingFile(bundle, tmp, h[0], h[1])) {
        spool = scan.spool();
        assertThat(scan.blobs()).as("hashing %s", java.util.Arrays.toString(h)).isEqualTo(expected);
        assertThat(scan.fileDigests()).isEqualTo(Map.of(bundle, whole));
        assertThat(BundleLayoutChecker.check(scan).blobs()).isEqualTo(blobs.size());
      }
      assertThat(spool).doesNotExist();
    }
  }

  @Test
  void eachTamperedBlobIsNamedTheSameWayOnEveryPath() throws Exception {
    byte[] tar = Files.readAllBytes(bundle);
    for (Object[] b : blobs) {
      byte[] copy = tar.clone();
      copy[(int) b[1] + (int) ((long) b[2] / 2)] ^= 0x01;
      Path bad = write("flip.tar", copy);
      String digest = "sha256:" + ((String) b[0]).substring("blobs/sha256/".length());
      List<String> messages = messages(bad);
      assertThat(messages.get(0)).contains("blob " + digest + " is corrupted");
      assertThat(messages).containsOnly(messages.get(0));
    }
    assertThat(blobs).hasSizeGreaterThan(8);
  }

  @Test
  void withSeveralTamperedBlobsTheFirstInTheTarballIsNamed() throws Exception {
    byte[] tar = Files.readAllBytes(bundle);
    byte[] copy = tar.clone();
    for (Object[] b : blobs.subList(2, blobs.size())) {
      copy[(int) b[1]] ^= 0x01;
    }
    Path bad = write("many.tar", copy);
    String first = "sha256:" + ((String) blobs.get(2)[0]).substring("blobs/sha256/".length());
    for (int round = 0; round < 5; round++) {
      assertThat(messages(bad)).allSatisfy(m -> assertThat(m).contains("blob " + first + " is corrupted"));
    }
  }

  @Test
  void aTruncatedTarballFailsOnEveryPath() throws Exception {
    byte[] tar = Files.readAllBytes(bundle);
    Object[] last = blobs.get(blobs.size() - 1);
    Object[] mid = blobs.get(blobs.size() / 2);
    long[] cuts = {(int) mid[1] + 1, (int) mid[1] - 100, (int) last[1] + (long) last[2] - 1, tar.length / 3};
    for (long cut : cuts) {
      Path bad = write("cut.tar", java.util.Arrays.copyOf(tar, (int) cut));
      List<String> messages = messages(bad);
      assertThat(messages).as("cut at " + cut).hasSize(PATHS.length + HASHING.length);
      assertThat(messages).allSatisfy(m -> assertThat(m).doesNotContain("\n"));
      if (cut == (int) mid[1] + 1) {
        assertThat(messages).containsOnly(bad + ": entry '" + mid[0] + "' is truncated: it declares " + mid[2]
            + " bytes, the file ends 1 bytes after its header");
      }
    }
  }

  @Test
  void unsafeDuplicateAndLinkEntriesAreRefusedOnEveryPath() throws Exception {
    assertThat(messages(withExtra("../escape", TarArchiveEntry.LF_NORMAL, null)))
        .allSatisfy(m -> assertThat(m).contains("'../escape' has an unsafe path"));
    String dup = (String) blobs.get(0)[0];
    assertThat(messages(withExtra(dup, TarArchiveEntry.LF_NORMAL, null)))
        .allSatisfy(m -> assertThat(m).contains("'" + dup + "' appears twice"));
    assertThat(messages(withExtra("blobs/sha256/link", TarArchiveEntry.LF_SYMLINK, dup)))
        .allSatisfy(m -> assertThat(m).contains("is a link"));
    assertThat(messages(withExtra("notes.txt", TarArchiveEntry.LF_NORMAL, null)))
        .allSatisfy(m -> assertThat(m).contains("unexpected entry 'notes.txt'"));
  }

  @Test
  void bytesOutsideTheCanonicalFormAreRefusedOnEveryPathNamingEntryAndField() throws Exception {
    byte[] tar = Files.readAllBytes(bundle);
    Object[] first = blobs.get(0);
    int header = (int) first[1] - 512;
    String name = (String) first[0];

    byte[] uname = tar.clone();
    uname[header + 265] = 'r';
    uname[header + 148] = 0; // a checksum that still agrees, so the field itself is named
    fixChecksum(uname, header);
    assertThat(messages(write("uname.tar", uname))).allSatisfy(m -> assertThat(m)
        .contains("entry '" + name + "' is not in airlock's canonical tar form: uname is not the canonical value"));

    byte[] slack = tar.clone();
    slack[header + 90] = 'x'; // after the NUL that ends the name
    fixChecksum(slack, header);
    assertThat(messages(write("slack.tar", slack))).allSatisfy(m -> assertThat(m).contains("entry '" + name + "'")
        .contains("name is not the canonical value"));

    byte[] checksum = tar.clone();
    checksum[header + 329] ^= 0x01; // devmajor, checksum left as it was
    assertThat(messages(write("sum.tar", checksum))).allSatisfy(m -> assertThat(m)
        .contains("the tar header at byte " + header).contains("is damaged: its checksum says"));

    long size = (long) first[2];
    byte[] padding = tar.clone();
    padding[(int) first[1] + (int) size] = 1;
    assertThat(size % 512).isNotZero();
    assertThat(messages(write("pad.tar", padding))).allSatisfy(m -> assertThat(m)
        .contains("entry '" + name + "' is not in airlock's canonical tar form: the padding after its data is not zeros"));

    byte[] trailing = java.util.Arrays.copyOf(tar, tar.length + 512);
    assertThat(messages(write("trailing.tar", trailing))).allSatisfy(m -> assertThat(m)
        .contains("data follows the end-of-archive marker at byte " + tar.length));
    byte[] marker = tar.clone();
    marker[tar.length - 1] = 1;
    assertThat(messages(write("marker.tar", marker))).allSatisfy(m -> assertThat(m)
        .contains("the end-of-archive marker after entry 'oci-layout' is not two zero records"));
  }

  private static void fixChecksum(byte[] tar, int header) {
    java.util.Arrays.fill(tar, header + 148, header + 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[header + i] & 0xff;
    }
    byte[] field = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, tar, header + 148, 8);
  }

  /** The one-line error of each path (scan and layout checks); all must fail. */
  private static List<String> messages(Path bad) throws IOException {
    List<String> out = new ArrayList<>();
    for (int threads : PATHS) {
      assertThatThrownBy(() -> {
        try (BundleScan scan = BundleTarScanner.scan(bad, tmp, threads)) {
          BundleLayoutChecker.check(scan);
        }
      })
          .as("threads " + threads).isInstanceOf(VerificationException.class)
          .satisfies(e -> out.add(e.getMessage()));
    }
    for (int[] h : HASHING) {
      assertThatThrownBy(() -> {
        try (BundleScan scan = BundleTarScanner.scanHashingFile(bad, tmp, h[0], h[1])) {
          BundleLayoutChecker.check(scan);
        }
      })
          .as("hashing " + java.util.Arrays.toString(h)).isInstanceOf(VerificationException.class)
          .satisfies(e -> out.add(e.getMessage()));
    }
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("airlock-verify-"))).isEmpty();
    }
    return out;
  }

  /** The bundle with one more entry at its end. */
  private static Path withExtra(String name, byte type, String link) throws IOException {
    Path out = tmp.resolve("extra-" + System.nanoTime() + ".tar");
    byte[] data = "{}".getBytes(StandardCharsets.UTF_8);
    try (var in = new TarArchiveInputStream(Files.newInputStream(bundle));
        OutputStream os = Files.newOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        tar.putArchiveEntry(e);
        in.transferTo(tar);
        tar.closeArchiveEntry();
      }
      TarArchiveEntry x = new TarArchiveEntry(name, type);
      if (link != null) {
        x.setLinkName(link);
      } else {
        x.setSize(data.length);
      }
      tar.putArchiveEntry(x);
      if (link == null) {
        tar.write(data);
      }
      tar.closeArchiveEntry();
    }
    return out;
  }

  private static Path write(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(System.nanoTime() + "-" + name);
    Files.write(p, bytes);
    return p;
  }
}
