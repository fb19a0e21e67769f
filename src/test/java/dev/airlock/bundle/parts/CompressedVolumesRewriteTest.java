package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed compressed parts (part format version 2) are deterministic: the same content with {@code --lock} gives
 * byte-identical parts; killed at several random points and run again they come out byte-identical to a fresh
 * run, and {@code --only-parts 2} gives back part 2's original bytes and touches no other part.
 */
class CompressedVolumesRewriteTest {
  @TempDir Path tmp;

  @Test
  void killedRunsThenRerunGiveByteIdenticalPartsAndOnlyPartsRemakesOnePart() throws Exception {
    CompressedVolumesTest.source(tmp, "src", 7);
    child(null, "key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    Path fresh = tmp.resolve("fresh/site.tar");
    child(null, "bundle", spec(), "-o", fresh.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key());
    Path lock = tmp.resolve("fresh/site.tar.lock.yaml");
    List<Path> expected = CompressedVolumesTest.partFiles(fresh.getParent());
    assertThat(expected).hasSizeGreaterThan(4);
    Path again = tmp.resolve("again/site.tar");
    child(null, "bundle", spec(), "-o", again.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key(),
        "--lock", lock.toString());
    List<Path> same = CompressedVolumesTest.partFiles(again.getParent());
    assertThat(same).hasSameSizeAs(expected);
    for (int i = 0; i < same.size(); i++) {
      assertThat(Files.mismatch(same.get(i), expected.get(i))).as(same.get(i).toString()).isEqualTo(-1L);
    }
    assertThat(Files.readString(again.resolveSibling("site.tar.sha256")))
        .isEqualTo(Files.readString(fresh.resolveSibling("site.tar.sha256")));

    Path out = tmp.resolve("killed/site.tar");
    Random random = new Random(15);
    for (int i = 0; i < 3; i++) {
      long delay = 300 + random.nextInt(1500);
      Process p = start("bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key(), "--lock",
          lock.toString(), "-j", "2");
      p.waitFor(delay, TimeUnit.MILLISECONDS);
      p.destroyForcibly();
      p.waitFor();
    }
    child(null, "bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key(), "--lock", lock.toString());
    List<Path> got = CompressedVolumesTest.partFiles(out.getParent());
    assertThat(got).hasSameSizeAs(expected);
    for (int i = 0; i < got.size(); i++) {
      assertThat(Files.mismatch(got.get(i), expected.get(i))).as(got.get(i).toString()).isEqualTo(-1L);
    }
    try (var s = Files.list(out.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") || n.endsWith(".work")))
          .as("nothing left of the killed runs").isEmpty();
    }

    // part 2 lost: re-made alone from the lock and the sources
    Path two = got.get(1);
    byte[] original = Files.readAllBytes(two);
    Files.delete(two);
    long thirdModified = Files.getLastModifiedTime(got.get(2)).toMillis();
    String log = child(null, "bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key(), "--lock",
        lock.toString(), "--only-parts", "2");
    assertThat(log).contains("parts:   1 re-made");
    assertThat(Files.readAllBytes(two)).isEqualTo(original);
    assertThat(Files.getLastModifiedTime(got.get(2)).toMillis()).isEqualTo(thirdModified);
    child(null, "verify", out.getParent().toString(), "--key", tmp.resolve("k.pub").toString());
  }

  @Test
  void aRunKilledAfterItsFirstPartKeepsThatPartAndWritesTheRest() throws Exception {
    CompressedVolumesTest.source(tmp, "src", 8);
    child(null, "key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    Path fresh = tmp.resolve("fresh/site.tar");
    child(null, "bundle", spec(), "-o", fresh.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key());
    Path lock = tmp.resolve("fresh/site.tar.lock.yaml");
    List<Path> expected = CompressedVolumesTest.partFiles(fresh.getParent());
    Path out = tmp.resolve("kept/site.tar");
    Files.createDirectories(out.getParent());
    Path first = out.resolveSibling(".site.part-001.tar.zst.partial");
    Path second = out.resolveSibling(".site.part-002.tar.zst.partial");
    Object inode = null;
    for (int attempt = 0; attempt < 5 && inode == null; attempt++) {
      Process p = start("bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key",
          key(), "--lock", lock.toString());
      long deadline = System.currentTimeMillis() + 120_000;
      while (p.isAlive() && !Files.exists(second) && System.currentTimeMillis() < deadline) {
        Thread.sleep(2);
      }
      if (p.isAlive() && Files.exists(second)) { // part 1 is finished: kill while part 2 is written
        p.destroyForcibly();
        p.waitFor();
        inode = Files.getAttribute(first, "unix:ino");
      } else {
        p.waitFor();
      }
    }
    assertThat(inode).as("a run killed while writing part 2").isNotNull();
    String log = child(null, "bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd",
        "--key", key(), "--lock", lock.toString());
    assertThat(log).containsPattern("[1-9][0-9]* compressed parts? finished by an interrupted run kept");
    List<Path> got = CompressedVolumesTest.partFiles(out.getParent());
    assertThat(got).hasSameSizeAs(expected);
    assertThat(Files.getAttribute(got.get(0), "unix:ino")).as("part 1 kept where the killed run wrote it")
        .isEqualTo(inode);
    for (int i = 0; i < got.size(); i++) {
      assertThat(Files.mismatch(got.get(i), expected.get(i))).as(got.get(i).toString()).isEqualTo(-1L);
    }
    child(null, "verify", out.getParent().toString(), "--key", tmp.resolve("k.pub").toString());
  }

  private String spec() {
    return tmp.resolve("bundle.yaml").toString();
  }

  private String key() {
    return tmp.resolve("k.key").toString();
  }

  private Process start(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(dev.airlock.testing.ProcessRunner.airlockJvm("128m", args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    return pb.start();
  }

  private String child(String ignored, String... args) throws Exception {
    Process p = start(args);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(tmp.resolve("child.log"));
    assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + log).isZero();
    return log;
  }
}
