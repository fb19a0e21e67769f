package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compressed set ({@code --volume-size 4MiB --compress zstd}) whose run was killed (kill -9) while a part was
 * being written: the rerun keeps the finished parts and continues the unfinished part after the whole frames the
 * killed run left in it (each checked against its side file record and the stream's bytes), in the same file;
 * a torn or changed tail, a side file that does not match and a journal of another plan are cut back or written
 * again, never kept; the parts come out byte-identical to a fresh run with the same {@code --lock}.
 */
class CompressedVolumesResumeTest {
  @TempDir Path tmp;
  private int logs;

  private static final Pattern CONTINUED = Pattern.compile(
      "compressed part (\\d+) continued after (\\d+) of the (\\d+) frames? an interrupted run wrote \\((\\d+) bytes kept");

  @Test
  void theUnfinishedPartIsContinuedAfterItsWholeFramesAndADamagedTailIsCutBack() throws Exception {
    List<Path> expected = fresh(9);
    Path lock = tmp.resolve("fresh/site.tar.lock.yaml");
    byte[] two = Files.readAllBytes(expected.get(1));
    long[] frames = seekTable(two); // [0] the head, then the data frames, then the tail
    long headSize = frames[0];

    // a run killed while part 2 has at least 3 whole frames
    Path killed = tmp.resolve("killed/site.tar");
    Path partial = killed.resolveSibling(".site.part-002.tar.zst.partial");
    Path side = killed.resolveSibling(".site.part-002.tar.zst.frames");
    boolean caught = false;
    for (int attempt = 0; attempt < 6 && !caught; attempt++) {
      deleteTree(killed.getParent()); // each attempt from nothing
      caught = killWhen(killed, 2, 3, lock) == KILLED_THERE;
    }
    assertThat(caught).as("a run killed while part 2 has whole frames").isTrue();
    assertThat(killed.resolveSibling(".site.part-001.tar.zst.partial")).exists();
    copyTree(killed.getParent(), tmp.resolve("state"));
    byte[] records = Files.readAllBytes(side);
    long whole = wholeFrames(records, Files.size(partial), headSize);
    assertThat(whole).as("whole frames the killed run left in part 2").isGreaterThanOrEqualTo(3);
    // what the killed run wrote is the fresh part's frames, byte for byte
    long keptBytes = 0;
    for (int i = 1; i <= whole; i++) {
      keptBytes += frames[i];
    }
    byte[] left = Files.readAllBytes(partial);
    assertThat(Arrays.equals(left, (int) headSize, (int) (headSize + keptBytes), two, (int) headSize,
        (int) (headSize + keptBytes))).as("the killed run's frames are the fresh part's").isTrue();

    // (a) continued in place: the same file (held by a hard link, so its inode cannot be reused), the frames kept
    Path probe = tmp.resolve("probe-a");
    Files.createLink(probe, partial);
    Object inode = Files.getAttribute(partial, "unix:ino");
    String log = bundle(killed, lock);
    assertThat(log).contains("1 compressed part finished by an interrupted run kept");
    assertContinued(log, 2, whole, whole, keptBytes);
    List<Path> got = sameAs(killed, expected);
    assertThat(Files.getAttribute(got.get(1), "unix:ino")).as("part 2 is the file the killed run wrote").isEqualTo(inode);
    child("verify", killed.getParent().toString(), "--key", tmp.resolve("k.pub").toString());
    noHiddenFilesLeft(killed);
    long lastWhole = frames[(int) whole];

    // (b1) the last frame torn (the file cut in its middle): that frame is not counted, the ones before are kept
    Path torn = restore("torn");
    truncate(torn.resolveSibling(".site.part-002.tar.zst.partial"), headSize + keptBytes - lastWhole / 2);
    log = bundle(torn, lock);
    assertContinued(log, 2, whole - 1, whole - 1, keptBytes - lastWhole);
    sameAs(torn, expected);
    noHiddenFilesLeft(torn);

    // (b2) a byte flipped in the last whole frame: kept up to the frame before it, that frame written again
    Path flipped = restore("flipped");
    Path flippedPartial = flipped.resolveSibling(".site.part-002.tar.zst.partial");
    flip(flippedPartial, headSize + keptBytes - lastWhole / 2);
    log = bundle(flipped, lock);
    assertThat(log).contains("frame " + whole + " did not match");
    assertContinued(log, 2, whole - 1, whole, keptBytes - lastWhole);
    sameAs(flipped, expected);

    // (b3) a side file that does not match the part (its first record left out): nothing of the part is kept
    Path shifted = restore("shifted");
    Path shiftedSide = shifted.resolveSibling(".site.part-002.tar.zst.frames");
    Files.write(shiftedSide, Arrays.copyOfRange(records, (int) CompressedPartWriter.SIDE, records.length));
    log = bundle(shifted, lock);
    assertThat(log).containsPattern("compressed part 2 (continued after 0 of the|an interrupted run left holds no whole)");
    assertThat(CONTINUED.matcher(log).results().filter(m -> !m.group(2).equals("0")).count()).isZero();
    sameAs(shifted, expected);

    // (b4) a side file longer than the part (records past its end): only the frames in the file are kept
    Path longer = restore("longer");
    Path longerSide = longer.resolveSibling(".site.part-002.tar.zst.frames");
    byte[] more = Arrays.copyOf(records, records.length + 3 * (int) CompressedPartWriter.SIDE);
    System.arraycopy(records, 0, more, records.length, 3 * (int) CompressedPartWriter.SIDE);
    Files.write(longerSide, more);
    log = bundle(longer, lock);
    assertContinued(log, 2, whole, -1, keptBytes);
    sameAs(longer, expected);

    // (b5) the journal of another plan (here: another zstd level): the unfinished part is not continued
    Path other = restore("other");
    Path journal = other.resolveSibling("site.tar.work/.bundle/" + CompressedPartWriter.JOURNAL);
    String text = Files.readString(journal);
    assertThat(text).contains(" level 3 ");
    Files.writeString(journal, text.replace(" level 3 ", " level 4 "));
    Path otherPartial = other.resolveSibling(".site.part-002.tar.zst.partial");
    Files.createLink(tmp.resolve("probe-other"), otherPartial);
    Object otherInode = Files.getAttribute(otherPartial, "unix:ino");
    log = bundle(other, lock);
    assertThat(log).doesNotContain("continued after").doesNotContain("finished by an interrupted run kept");
    got = sameAs(other, expected);
    assertThat(Files.getAttribute(got.get(1), "unix:ino")).as("part 2 written again in a new file")
        .isNotEqualTo(otherInode);
  }

  @Test
  void killedAtSeveralRandomFramesThenRerunGivesByteIdenticalParts() throws Exception {
    List<Path> expected = fresh(10);
    Path lock = tmp.resolve("fresh/site.tar.lock.yaml");
    Path out = tmp.resolve("killed/site.tar");
    Random random = new Random(1515);
    int parts = expected.size();
    List<Integer> points = new ArrayList<>();
    for (int p = 1; p < parts; p++) {
      points.add(p);
    }
    java.util.Collections.shuffle(points, random);
    points = new ArrayList<>(points.subList(0, Math.min(4, points.size())));
    java.util.Collections.sort(points); // each kill in a later part than the one before: every run writes something
    List<String> all = new ArrayList<>();
    int kills = 0;
    for (int part : points) {
      int records = 1 + random.nextInt(20);
      int r = killWhen(out, part, records, lock);
      if (r != FINISHED) {
        kills++;
      }
      all.add(Files.readString(tmp.resolve("child-" + logs + ".log")));
    }
    assertThat(kills).as("runs killed inside a part (kill points " + points + ")").isGreaterThanOrEqualTo(2);
    all.add(bundle(out, lock));
    sameAs(out, expected);
    noHiddenFilesLeft(out);
    long continued = 0;
    for (String log : all) {
      assertThat(log).as("no frame of an undamaged killed run is found damaged").doesNotContain("did not match");
      continued += CONTINUED.matcher(log).results().filter(m -> !m.group(2).equals("0")).count();
    }
    assertThat(continued).as("reruns that continued an unfinished part").isGreaterThanOrEqualTo(1);
  }

  private static void assertContinued(String log, int part, long continued, long found, long bytes) {
    Matcher m = CONTINUED.matcher(log);
    assertThat(m.find()).as(log).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isEqualTo(part);
    assertThat(Long.parseLong(m.group(2))).as(m.group()).isEqualTo(continued);
    if (found >= 0) {
      assertThat(Long.parseLong(m.group(3))).as(m.group()).isEqualTo(found);
    }
    assertThat(Long.parseLong(m.group(4))).as(m.group()).isEqualTo(bytes);
  }

  /** A fresh run (it writes the lock) of a source of this seed; its parts. */
  private List<Path> fresh(long seed) throws Exception {
    CompressedVolumesTest.source(tmp, "src", seed);
    child("key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    Path fresh = tmp.resolve("fresh/site.tar");
    child("bundle", spec(), "-o", fresh.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key());
    List<Path> expected = CompressedVolumesTest.partFiles(fresh.getParent());
    assertThat(expected).hasSizeGreaterThan(4);
    return expected;
  }

  private String bundle(Path out, Path lock) throws Exception {
    return child("bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key", key(),
        "--lock", lock.toString());
  }

  private static final int FINISHED = 0;
  private static final int KILLED_THERE = 1;
  private static final int KILLED_PAST = 2;

  /**
   * Starts a run and kills it (kill -9) once the side file of part {@code part} holds at least {@code records}
   * records: KILLED_THERE; KILLED_PAST when the run was seen past that part first (killed then too); FINISHED when
   * the run ended before.
   */
  private int killWhen(Path out, int part, int records, Path lock) throws Exception {
    Path side = out.resolveSibling(String.format(".site.part-%03d.tar.zst.frames", part));
    Path next = out.resolveSibling(String.format(".site.part-%03d.tar.zst.partial", part + 1));
    long bytes = records * CompressedPartWriter.SIDE;
    long before = sizeOf(side); // the side file a killed run left: this run must write past it
    boolean nextBefore = Files.exists(next);
    Process p = start("bundle", spec(), "-o", out.toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key",
        key(), "--lock", lock.toString());
    long deadline = System.currentTimeMillis() + 240_000;
    try {
      while (p.isAlive() && System.currentTimeMillis() < deadline) {
        long n = sizeOf(side);
        if (n >= bytes && n > before) {
          p.destroyForcibly();
          p.waitFor();
          return sizeOf(side) >= bytes ? KILLED_THERE : KILLED_PAST;
        }
        if (!nextBefore && Files.exists(next)) {
          p.destroyForcibly();
          p.waitFor();
          return KILLED_PAST;
        }
        Thread.sleep(0, 200_000);
      }
      return FINISHED;
    } finally {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return -1;
    }
  }

  /** The whole frames a side file names whose bytes are all in a partial file of this size. */
  private static long wholeFrames(byte[] records, long fileSize, long headSize) {
    long sum = 0;
    long n = 0;
    for (int i = 0; i + CompressedPartWriter.SIDE <= records.length; i += (int) CompressedPartWriter.SIDE) {
      long c = ZstdPartFrames.le(records, i, 4);
      if (headSize + sum + c > fileSize) {
        break;
      }
      sum += c;
      n++;
    }
    return n;
  }

  /** The compressed sizes of a version 3 part's frames, from its seek table. */
  private static long[] seekTable(byte[] part) {
    int n = (int) ZstdPartFrames.le(part, part.length - ZstdPartFrames.FOOTER, 4);
    int at = part.length - ZstdPartFrames.FOOTER - 8 * n;
    long[] sizes = new long[n];
    for (int i = 0; i < n; i++) {
      sizes[i] = ZstdPartFrames.le(part, at + 8 * i, 4);
    }
    return sizes;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  private static void flip(Path file, long at) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
      ch.write(b, at);
    }
  }

  /** A copy of the killed run's directory (parts, working directory, journal) as {@code name/site.tar}. */
  private Path restore(String name) throws IOException {
    copyTree(tmp.resolve("state"), tmp.resolve(name));
    return tmp.resolve(name).resolve("site.tar");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static List<Path> sameAs(Path out, List<Path> expected) throws IOException {
    List<Path> got = CompressedVolumesTest.partFiles(out.getParent());
    assertThat(got).hasSameSizeAs(expected);
    for (int i = 0; i < got.size(); i++) {
      assertThat(Files.mismatch(got.get(i), expected.get(i))).as(got.get(i).toString()).isEqualTo(-1L);
    }
    assertThat(Files.readString(out.resolveSibling("site.tar.sha256")))
        .isEqualTo(Files.readString(expected.get(0).resolveSibling("site.tar.sha256")));
    return got;
  }

  private static void noHiddenFilesLeft(Path out) throws IOException {
    try (var s = Files.list(out.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")))
          .as("nothing left of the killed runs").isEmpty();
    }
  }

  private String spec() {
    return tmp.resolve("bundle.yaml").toString();
  }

  private String key() {
    return tmp.resolve("k.key").toString();
  }

  private Process start(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(dev.airlock.testing.ProcessRunner.airlockJvm("128m", args));
    logs++;
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child-" + logs + ".log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    return pb.start();
  }

  private String child(String... args) throws Exception {
    Process p = start(args);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(tmp.resolve("child-" + logs + ".log"));
    assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + log).isZero();
    return log;
  }
}
