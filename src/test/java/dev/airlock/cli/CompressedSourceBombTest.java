package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: {@code copy} and a bundle spec's {@code oci-archive:} source read a compressed OCI layout tar as a
 * stream first (every blob hashed to its name, nothing written) and decompress it only within what those blobs
 * need, as import, inspect, serve and audit do: a .tar.zst of a few KiB that decompresses to 256 MiB (a valid
 * layout, then zeros) keeps java.io.tmpdir under 16 MiB and is refused with one line naming it. Before, both
 * decompressed the whole stream into java.io.tmpdir. The same archive without the zeros still copies and bundles.
 */
@Timeout(180)
class CompressedSourceBombTest {
  private static final long BOMB = 256L << 20;
  private static final long TMP_LIMIT = 16L << 20;

  @TempDir Path tmp;
  Path scratch;
  String savedTmp;

  @BeforeEach
  void setUp() throws Exception {
    java.sql.DriverManager.getConnection("jdbc:sqlite::memory:").close(); // its native library, unpacked before
    new com.github.luben.zstd.ZstdOutputStream(OutputStream.nullOutputStream()).close(); // zstd-jni's, too
    scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    savedTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmp);
  }

  @Test
  void copyAndBundleOfACompressedBombStayWithinTheBound() throws Exception {
    Path layout = tmp.resolve("src");
    LayoutStore l = LayoutStore.openOrCreate(layout);
    RawManifest img = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.randomLayer(1, 50_000));
    TestImages.tag(l, img, "v1");
    l.close();
    Path good = archive(layout, tmp.resolve("good.tar.zst"), 0);
    Path bomb = archive(layout, tmp.resolve("bomb.tar.zst"), BOMB);
    assertThat(Files.size(bomb)).as("the bomb is small").isLessThan(256 * 1024);

    CommandResult[] r = new CommandResult[1];
    long peak = peakTmpWhile(() -> r[0] = CommandResult.run("copy", "oci-archive:" + bomb + ":v1",
        "oci:" + tmp.resolve("copied-bomb")));
    assertThat(r[0].exitCode()).as(r[0].err()).isNotZero();
    assertThat(r[0].err().lines().filter(x -> x.startsWith("airlock: "))).hasSize(1);
    assertThat(r[0].err()).contains(bomb.toString(), "decompresses to more than").doesNotContain("\tat ");
    assertThat(peak).as("peak bytes in java.io.tmpdir, copy").isLessThan(TMP_LIMIT);
    assertThat(tmp.resolve("copied-bomb/index.json")).doesNotExist();
    assertNothingLeft();

    Path spec = tmp.resolve("b.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: b}\nspec:\n  images:\n"
        + "    - archive: oci-archive:./bomb.tar.zst:v1\n      name: registry.example/app:1\n");
    peak = peakTmpWhile(() -> r[0] = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("b.tar").toString()));
    assertThat(r[0].exitCode()).as(r[0].err()).isNotZero();
    assertThat(r[0].err()).contains("bomb.tar.zst", "decompresses to more than").doesNotContain("\tat ");
    assertThat(peak).as("peak bytes in java.io.tmpdir, bundle").isLessThan(TMP_LIMIT);
    assertThat(tmp.resolve("b.tar")).doesNotExist();

    // the archive without the zeros: copied and bundled as before
    CommandResult c = CommandResult.run("copy", "oci-archive:" + good + ":v1", "oci:" + tmp.resolve("copied"));
    assertThat(c.exitCode()).as(c.err()).isZero();
    assertThat(tmp.resolve("copied/index.json")).exists();
    Files.writeString(spec, Files.readString(spec).replace("bomb.tar.zst", "good.tar.zst"));
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("b.tar").toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(tmp.resolve("b.tar")).exists();
  }

  /** The layout directory as a tar (commons-compress, as other tools write one), then {@code zeros} zero bytes, zstd. */
  private static Path archive(Path layout, Path out, long zeros) throws IOException {
    try (OutputStream z = new ZstdOutputStream(Files.newOutputStream(out), 19)) {
      TarArchiveOutputStream tar = new TarArchiveOutputStream(new dev.airlock.files.NonClosingOutputStream(z));
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      List<Path> files;
      try (Stream<Path> s = Files.walk(layout)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        TarArchiveEntry e = new TarArchiveEntry(f.toFile(), layout.relativize(f).toString());
        tar.putArchiveEntry(e);
        Files.copy(f, tar);
        tar.closeArchiveEntry();
      }
      tar.finish();
      tar.close();
      byte[] zero = new byte[1 << 20];
      for (long n = 0; n < zeros; n += zero.length) {
        z.write(zero);
      }
    }
    return out;
  }

  private long peakTmpWhile(Runnable r) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(size(scratch), Math::max);
        Thread.onSpinWait();
      }
    });
    sampler.start();
    try {
      r.run();
    } finally {
      done.set(true);
      sampler.join(10_000);
    }
    return Math.max(peak.get(), size(scratch));
  }

  private static long size(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.mapToLong(p -> {
        try {
          return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private void assertNothingLeft() throws IOException {
    try (Stream<Path> s = Files.list(scratch)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("airlock-archive")).toList())
          .as("left in java.io.tmpdir").isEmpty();
    }
  }
}
