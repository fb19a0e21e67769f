package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.TestBundle;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * (The bound itself, on a bomb the stream check would pass: {@code ArchiveFileBoundTest}.)
 *
 * <p>A small .tar.zst that decompresses to 256 MiB (a valid bundle followed by zeros) must not fill the
 * temporary directory: import, inspect and serve read it as a stream first (verified with --key, or scanned
 * with --allow-unsigned), and decompress it only up to what its blobs need. The "small tmp limit" is the
 * peak size of java.io.tmpdir, sampled while each command runs: it must stay under 16 MiB.
 */
@Timeout(120)
class DecompressionBombTest {
  private static final long BOMB = 256L << 20;
  private static final long TMP_LIMIT = 16L << 20;

  @TempDir Path tmp;
  Path scratch;
  String savedTmp;
  SigningKey key;
  Path pub;

  @BeforeEach
  void setUp() throws Exception {
    java.sql.DriverManager.getConnection("jdbc:sqlite::memory:").close(); // its native library, unpacked before
    scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    savedTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
    key = SigningKey.generate();
    pub = tmp.resolve("cosign.pub");
    Files.writeString(pub, PublicKeys.toPem(key.publicKey()));
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmp);
  }

  /** The bundle's tar, then {@link #BOMB} zero bytes, in one zstd stream (a few KiB). */
  private Path bomb(SigningKey signer) throws Exception {
    Path tar = TestBundle.build(tmp, signer, null, Instant.now());
    Path z = tmp.resolve("bomb-" + System.nanoTime() + ".tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(z), 19)) {
      Files.copy(tar, out);
      byte[] zeros = new byte[1 << 20];
      for (long n = 0; n < BOMB; n += zeros.length) {
        out.write(zeros);
      }
    }
    assertThat(Files.size(z)).as("the bomb is small").isLessThan(64 * 1024);
    return z;
  }

  /** Runs {@code r} while sampling the total size of java.io.tmpdir; returns the peak. */
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
          return 0; // deleted meanwhile
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private void assertNothingLeft() throws IOException {
    try (Stream<Path> s = Files.list(scratch)) {
      assertThat(s.toList()).as("left in java.io.tmpdir").isEmpty();
    }
  }

  @Test
  void importOfASignedBombIsRefusedWithinTheBound() throws Exception {
    Path z = bomb(key);
    CommandResult[] r = new CommandResult[1];
    long peak = peakTmpWhile(() -> r[0] = CommandResult.run("import", z.toString(), "--to", "oci:" + tmp.resolve("out"),
        "--key", pub.toString(), "--catalog", tmp.resolve("history.db").toString()));
    assertThat(r[0].exitCode()).as(r[0].err()).isNotZero();
    assertThat(r[0].err()).contains(z.toString()).doesNotContain("No space left").doesNotContain("\tat ");
    assertThat(peak).as("peak bytes in java.io.tmpdir").isLessThan(TMP_LIMIT);
    assertThat(tmp.resolve("out/index.json")).doesNotExist();
    assertNothingLeft();
  }

  @Test
  void auditOfABombStaysWithinTheBound() throws Exception {
    Path z = bomb(key);
    for (java.util.List<String> args : java.util.List.of(java.util.List.of("audit", z.toString()),
        java.util.List.of("audit", z.toString(), "--key", pub.toString()))) {
      CommandResult[] r = new CommandResult[1];
      long peak = peakTmpWhile(() -> r[0] = CommandResult.run(args.toArray(String[]::new)));
      assertThat(r[0].err()).as(args.toString()).doesNotContain("No space left").doesNotContain("\tat ");
      assertThat(peak).as("peak bytes in java.io.tmpdir for " + args).isLessThan(TMP_LIMIT);
      assertNothingLeft();
    }
  }

  @Test
  void importWithoutAKeyOrAllowUnsignedDecompressesNothing() throws Exception {
    Path z = bomb(null);
    CommandResult[] r = new CommandResult[1];
    long peak = peakTmpWhile(() -> r[0] = CommandResult.run("import", z.toString(), "--to", "oci:" + tmp.resolve("out"),
        "--catalog", tmp.resolve("history.db").toString()));
    assertThat(r[0].exitCode()).as(r[0].err()).isEqualTo(3);
    assertThat(peak).as("only the small things of the stream are spooled").isLessThan(1L << 20);
    assertNothingLeft();
  }

  @Test
  void importWithAllowUnsignedStillStopsAtTheBound() throws Exception {
    Path z = bomb(null);
    CommandResult[] r = new CommandResult[1];
    long peak = peakTmpWhile(() -> r[0] = CommandResult.run("import", z.toString(), "--to", "oci:" + tmp.resolve("out"),
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString()));
    assertThat(r[0].exitCode()).as(r[0].err()).isNotZero();
    // refused by the verification from the stream (data after the end of the archive), or at the bound
    assertThat(r[0].err()).contains(z.toString()).containsAnyOf("decompresses to more than", "end-of-archive");
    assertThat(peak).isLessThan(TMP_LIMIT);
    assertNothingLeft();
  }

  @Test
  void inspectNeedsAKeyOrAllowUnsignedAndStopsAtTheBound() throws Exception {
    Path z = bomb(key);
    CommandResult bare = CommandResult.run("inspect", "oci-archive:" + z);
    assertThat(bare.exitCode()).isEqualTo(2);
    assertThat(bare.err()).contains("is compressed").contains("--key PUB").contains("--allow-unsigned");
    assertNothingLeft();
    for (String[] flags : new String[][] {{"--key", pub.toString()}, {"--allow-unsigned"}}) {
      CommandResult[] r = new CommandResult[1];
      long peak = peakTmpWhile(() -> r[0] = CommandResult.run("inspect", "oci-archive:" + z, flags[0],
          flags.length > 1 ? flags[1] : "--output=text"));
      assertThat(r[0].exitCode()).as(String.join(" ", flags) + ": " + r[0].err()).isNotZero();
      assertThat(peak).as(String.join(" ", flags)).isLessThan(TMP_LIMIT);
      assertNothingLeft();
    }
  }

  @Test
  void aGoodCompressedBundleStillImportsAndInspects() throws Exception {
    Path tar = TestBundle.build(tmp, key, null, Instant.now());
    Path z = tmp.resolve("good.tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(z))) {
      Files.copy(tar, out);
    }
    CommandResult imp = CommandResult.run("import", z.toString(), "--to", "oci:" + tmp.resolve("out"), "--key",
        pub.toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(imp.exitCode()).as(imp.err()).isZero();
    assertThat(tmp.resolve("out/index.json")).exists();
    CommandResult insp = CommandResult.run("inspect", "oci-archive:" + z, "--key", pub.toString());
    assertThat(insp.exitCode()).as(insp.err()).isZero();
    assertThat(insp.out()).contains("example.test/team/app:1.0");
    assertNothingLeft();
  }
}
