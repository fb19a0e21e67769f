package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.bundle.parts.PartFile;
import dev.airlock.testing.CommandResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compressed part (part format version 2) whose data frame decompresses to 256 MiB (its data, padding and
 * end-of-archive marker, then zeros) behind its intact signed head: verify alone and of the set, import (with
 * --key and with --allow-unsigned), audit and inspect refuse it, and java.io.tmpdir (sampled while each runs)
 * never holds more than 16 MiB: the decompression stops at what the part's manifest declares.
 */
@Timeout(180)
class CompressedPartBombTest {
  private static final long BOMB = 256L << 20;
  private static final long TMP_LIMIT = 16L << 20;
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/parts-v2");

  @TempDir Path tmp;
  Path scratch;
  String savedTmp;
  Path set;
  Path bombPart;

  @BeforeEach
  void setUp() throws Exception {
    java.sql.DriverManager.getConnection("jdbc:sqlite::memory:").close(); // its native library, unpacked before
    set = Files.createDirectory(tmp.resolve("set"));
    for (int i = 1; i <= 4; i++) {
      String name = "v2-parts.part-00" + i + "-of-004.tar.zst";
      Files.copy(FIXTURE.resolve(name), set.resolve(name));
    }
    // no .sha256 beside it: the bound itself is what is tested
    bombPart = set.resolve("v2-parts.part-004-of-004.tar.zst");
    PartFile pf = PartFile.open(bombPart);
    byte[] whole;
    try (InputStream in = new ZstdInputStream(Files.newInputStream(bombPart))) {
      whole = in.readAllBytes();
    }
    long tail = (512 - pf.dataSize() % 512) % 512 + 1024;
    byte[] body = Arrays.copyOfRange(whole, (int) (whole.length - pf.dataSize() - tail), whole.length);
    byte[] head = Arrays.copyOf(Files.readAllBytes(bombPart), (int) pf.bodyStart());
    Path bomb = tmp.resolve("bomb");
    try (OutputStream out = Files.newOutputStream(bomb)) {
      out.write(head);
      ZstdOutputStream z = new ZstdOutputStream(out, 19);
      z.setChecksum(true);
      z.write(body);
      byte[] zeros = new byte[1 << 20];
      for (long n = 0; n < BOMB; n += zeros.length) {
        z.write(zeros);
      }
      z.close();
    }
    Files.move(bomb, bombPart, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(bombPart)).as("the bomb part is small").isLessThan(128 * 1024);
    scratch = Files.createDirectory(tmp.resolve("java-tmp"));
    savedTmp = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", scratch.toString());
  }

  @AfterEach
  void restore() {
    System.setProperty("java.io.tmpdir", savedTmp);
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
      assertThat(s.toList()).as("left in java.io.tmpdir").isEmpty();
    }
  }

  private CommandResult runBounded(String... args) throws Exception {
    CommandResult[] r = new CommandResult[1];
    long peak = peakTmpWhile(() -> r[0] = CommandResult.run(args));
    assertThat(r[0].err()).as(String.join(" ", args)).doesNotContain("No space left").doesNotContain("\tat ");
    assertThat(peak).as("peak bytes in java.io.tmpdir for " + String.join(" ", args)).isLessThan(TMP_LIMIT);
    assertNothingLeft();
    return r[0];
  }

  @Test
  void verifyOfThePartAloneAndOfTheSetNamesItWithinTheBound() throws Exception {
    String key = FIXTURE.resolve("fixture.pub").toString();
    CommandResult alone = runBounded("verify", bombPart.toString(), "--key", key);
    assertThat(alone.exitCode()).isEqualTo(3);
    assertThat(alone.out() + alone.err()).contains("decompresses to more than");
    CommandResult whole = runBounded("verify", set.toString(), "--key", key);
    assertThat(whole.exitCode()).isEqualTo(3);
    assertThat(whole.err()).contains("corrupted part 4 (").contains("decompresses to more than");
  }

  @Test
  void importWithAKeyOrAllowUnsignedIsRefusedWithinTheBound() throws Exception {
    for (List<String> flags : List.of(List.of("--key", FIXTURE.resolve("fixture.pub").toString()),
        List.of("--allow-unsigned"))) {
      Path out = tmp.resolve("out-" + flags.get(0));
      String[] args = Stream.concat(Stream.of("import", set.toString(), "--to", "oci:" + out, "--catalog",
          tmp.resolve("history.db").toString()), flags.stream()).toArray(String[]::new);
      CommandResult r = runBounded(args);
      assertThat(r.exitCode()).as(r.err()).isNotZero();
      assertThat(r.err()).contains("decompresses to more than");
      assertThat(out.resolve("index.json")).doesNotExist();
    }
  }

  @Test
  void auditAndInspectStayWithinTheBound() throws Exception {
    runBounded("audit", set.toString());
    runBounded("audit", set.toString(), "--key", FIXTURE.resolve("fixture.pub").toString());
    CommandResult insp = runBounded("inspect", "oci-archive:" + set, "--key", FIXTURE.resolve("fixture.pub").toString());
    assertThat(insp.exitCode()).isNotZero();
    CommandResult unsigned = runBounded("inspect", "oci-archive:" + set, "--allow-unsigned");
    assertThat(unsigned.exitCode()).isNotZero();
  }
}
