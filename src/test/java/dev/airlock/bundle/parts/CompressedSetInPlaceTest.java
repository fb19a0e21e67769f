package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A set of compressed parts (part format version 2, the ~34 MiB bundle of {@link CompressedVolumesTest} in
 * 4 MiB volumes) is read in place, decompressed as it is read: the set's bytes by position equal the bundle
 * tarball's (random reads, several threads), a reader moving forward decompresses each byte once, and
 * {@code import} (with {@code --key}), {@code audit} and {@code inspect} leave java.io.tmpdir (sampled while they
 * run) below one part's data, where they used to decompress the whole bundle into it; a wrong key pushes nothing.
 */
class CompressedSetInPlaceTest {
  @TempDir static Path tmp;
  static Path parts;
  static Path tarball; // the bundle tarball the set makes up, decompressed by the test for comparison
  static Digest app;
  Path scratch;
  String savedTmp;

  @BeforeAll
  static void bundle() throws Exception {
    CompressedVolumesTest.source(tmp, "src", 3);
    app = LayoutStore.open(tmp.resolve("src")).resolve("", "app").orElseThrow().digest();
    child("key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    child("key", "generate", "--output-key-prefix", tmp.resolve("other").toString());
    parts = Files.createDirectories(tmp.resolve("parts"));
    child("bundle", tmp.resolve("bundle.yaml").toString(), "-o", parts.resolve("site.tar").toString(),
        "--volume-size", "4MiB", "--compress", "zstd", "--key", tmp.resolve("k.key").toString());
    assertThat(CompressedVolumesTest.partFiles(parts)).hasSizeGreaterThan(4);
    tarball = tmp.resolve("whole.tar");
    try (InputStream in = PartSet.openStream(parts)) {
      Files.copy(in, tarball);
    }
  }

  static void child(String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(dev.airlock.testing.ProcessRunner.airlockJvm("128m", args))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    Process p = pb.start();
    assertThat(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + Files.readString(tmp.resolve("child.log"))).isZero();
  }

  @BeforeEach
  void scratchTmp() throws IOException {
    scratch = Files.createTempDirectory(tmp, "java-tmp-");
    savedTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmp);
  }

  @Test
  void theSetReadByPositionIsTheBundleTarballInAnyOrderAndFromSeveralThreads() throws Exception {
    long size = Files.size(tarball);
    assertThat(size).isGreaterThan(33L << 20);
    try (FileChannel set = PartSet.open(parts); FileChannel whole = FileChannel.open(tarball, StandardOpenOption.READ)) {
      assertThat(set.size()).isEqualTo(size);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Integer>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          long seed = t;
          done.add(pool.submit(() -> {
            Random r = new Random(seed);
            int reads = 0;
            for (int i = 0; i < 40; i++) {
              long at = (long) (r.nextDouble() * size);
              int len = 1 + r.nextInt(200_000);
              assertThat(read(set, at, len)).as("bytes at " + at).isEqualTo(read(whole, at, len));
              reads++;
            }
            return reads;
          }));
        }
        for (Future<Integer> f : done) {
          assertThat(f.get()).isEqualTo(40);
        }
      } finally {
        pool.shutdown();
      }
      assertThat(read(set, size - 10, 100)).hasSize(10).isEqualTo(read(whole, size - 10, 10));
      assertThat(set.read(ByteBuffer.allocate(1), size)).isEqualTo(-1);
    }
    assertThat(sizeOf(scratch)).as("java.io.tmpdir").isZero();
  }

  @Test
  void aReaderMovingForwardDecompressesEachByteOnceAndABackwardReadStartsOver() throws Exception {
    PartFile pf = PartFile.open(CompressedVolumesTest.partFiles(parts).get(1));
    DecompressedPartChannel.Pool pool = new DecompressedPartChannel.Pool(2, 4);
    byte[] expected = new byte[(int) pf.dataSize()];
    try (FileChannel whole = FileChannel.open(tarball, StandardOpenOption.READ)) {
      whole.read(ByteBuffer.wrap(expected), pf.manifest().data().offset());
    }
    try (FileChannel ch = pf.openReadable(pool)) {
      // a tar index's walk: a header of 512 bytes, then a jump over the entry's data
      for (long at = 0; at + 512 <= pf.dataSize(); at += 512 + 300_000) {
        assertThat(read(ch, at, 512)).isEqualTo(Arrays.copyOfRange(expected, (int) at, (int) at + 512));
      }
      // part format 3: each jump past the cursor's frame starts at the frame holding the header (one frame at most
      // decompressed before it), instead of decompressing everything in between
      long reads = (pf.dataSize() - 512) / (512 + 300_000) + 1;
      long frame = pf.manifest().frames().size();
      assertThat(pool.streamsOpened()).isBetween(2L, reads);
      assertThat(pool.decompressed()).isLessThanOrEqualTo(reads * (frame + DecompressedPartChannel.BLOCK))
          .isLessThan(pf.dataSize());
      long before = pool.decompressed();
      long opened = pool.streamsOpened();
      long last = (pf.dataSize() - 512) / 300_512 * 300_512; // the walk's last header: its block is cached
      assertThat(read(ch, last + 100, 10)).isEqualTo(Arrays.copyOfRange(expected, (int) last + 100, (int) last + 110));
      assertThat(pool.decompressed()).as("a read in a cached block").isEqualTo(before);
      long block = pf.dataSize() / 2 / DecompressedPartChannel.BLOCK * DecompressedPartChannel.BLOCK;
      assertThat(read(ch, block + 1000, 100)).isEqualTo(Arrays.copyOfRange(expected, (int) block + 1000, (int) block + 1100));
      assertThat(pool.streamsOpened()).as("a read behind the only cursor starts a stream").isEqualTo(opened + 1);
      assertThat(pool.decompressed() - before).as("decompressed from the frame holding the block to the block's end")
          .isEqualTo(block % frame + DecompressedPartChannel.BLOCK);
      // read to the end: the frame's end is checked and the cursor let go
      assertThat(read(ch, 1100, (int) pf.dataSize())).isEqualTo(Arrays.copyOfRange(expected, 1100, expected.length));
      // the read from 1100 jumped, so block 0 went through the cache; the rest was read on where the cursor stood
      long again = pool.decompressed();
      assertThat(read(ch, 0, 512)).isEqualTo(Arrays.copyOf(expected, 512));
      assertThat(pool.decompressed() - again).as("block 0 is cached").isZero();
    }
  }

  @Test
  void importAuditAndInspectOfTheSetWriteNothingToTmpdir() throws Exception {
    long partData = PartFile.open(CompressedVolumesTest.partFiles(parts).get(0)).dataSize();
    String key = tmp.resolve("k.pub").toString();
    Path target = tmp.resolve("imported");
    long peak = peakWhile(() -> {
      CommandResult r = CommandResult.run("import", parts.toString(), "--to", "oci:" + target, "--key", key,
          "--catalog", tmp.resolve("history.db").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    });
    assertThat(peak).as("peak bytes in java.io.tmpdir while importing a %d byte bundle", Files.size(tarball))
        .isLessThan(Math.min(partData, 4L << 20));
    LayoutStore imported = LayoutStore.open(target);
    assertThat(Files.readString(target.resolve("index.json"))).contains(app.toString());
    imported.verifyAllBlobs();

    peak = peakWhile(() -> {
      CommandResult r = CommandResult.run("audit", parts.toString(), "--key", key);
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("registry.example/site/app:1").contains(app.toString());
    });
    assertThat(peak).as("peak bytes in java.io.tmpdir for audit").isLessThan(Math.min(partData, 4L << 20));
    peak = peakWhile(() -> {
      CommandResult r = CommandResult.run("inspect", "oci-archive:" + parts, "--key", key);
      assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("registry.example/site/app:1");
    });
    assertThat(peak).as("peak bytes in java.io.tmpdir for inspect").isLessThan(Math.min(partData, 4L << 20));
    try (Stream<Path> s = Files.list(scratch)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("airlock-part-")).toList()).isEmpty();
    }
  }

  @Test
  void aWrongKeyPushesNothing() {
    Path target = tmp.resolve("refused");
    CommandResult r = CommandResult.run("import", parts.toString(), "--to", "oci:" + target, "--key",
        tmp.resolve("other.pub").toString(), "--catalog", tmp.resolve("refused-history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(target.resolve("index.json")).doesNotExist();
  }

  private static byte[] read(FileChannel ch, long at, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len);
    while (b.hasRemaining()) {
      int n = ch.read(b, at + b.position());
      if (n < 0) {
        break;
      }
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  private long peakWhile(Runnable r) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(sizeOf(scratch), Math::max);
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
    return Math.max(peak.get(), sizeOf(scratch));
  }

  private static long sizeOf(Path dir) {
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
}
