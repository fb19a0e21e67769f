package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundling in a separate JVM: killed mid-run and resumed; 2 GiB of layers under a 128 MiB heap. */
class BundleChildJvmTest {
  @TempDir Path tmp;

  @Test
  void killedRunResumesWithoutRefetchingAndGivesTheSameBundle() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<Descriptor> layers = randomLayers(l, 7, 7, 512 * 1024);
    // the last layer is a FIFO nobody writes to: the bundler blocks on it once every other blob has landed
    Descriptor stuck = layers.get(6);
    byte[] stuckBytes = stall(l, stuck);
    image(l, layers);
    writeSpec();
    Path out = tmp.resolve("out/b.tar");
    Path work = tmp.resolve("out/b.tar.work");

    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("256m", "bundle", tmp.resolve("bundle.yaml").toString(),
        "-o", out.toString(), "-j", "2")).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!landed(work, layers.subList(0, 6)) && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as(Files.readString(tmp.resolve("child.log"))).isTrue();
      assertThat(landed(work, layers.subList(0, 6))).isTrue();
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(out).doesNotExist();

    unstall(l, stuck, stuckBytes);
    Path lock = tmp.resolve("out/b.tar.lock.yaml");
    CommandResult resumed = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out.toString(),
        "--lock", lock.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    // 6 layers and the config were there already; only the stuck layer moves
    assertThat(resumed.out()).contains("fetched: 1 blobs (" + stuck.size() + " bytes), 7 already in the working directory");

    Path fresh = tmp.resolve("fresh/b.tar");
    CommandResult again = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", fresh.toString(),
        "--lock", lock.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("fetched: 8 blobs");
    assertThat(Files.readAllBytes(fresh)).isEqualTo(Files.readAllBytes(out));
  }

  @Test
  void killedRunWithLargeLayersResumesFromItsPartialTarball() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    // large layers: fetched straight into the tarball
    List<Descriptor> layers = randomLayers(l, 9, 3, (int) DeferringStore.DEFER_ABOVE + 1);
    Descriptor stuck = layers.get(2);
    byte[] stuckBytes = stall(l, stuck);
    image(l, layers);
    writeSpec();
    Path out = tmp.resolve("out/b.tar");
    Path journal = tmp.resolve("out/b.tar.work/.bundle/" + Bundler.PARTIAL_JOURNAL);

    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("256m", "bundle", tmp.resolve("bundle.yaml").toString(),
        "-o", out.toString(), "-j", "3")).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (journalLines(journal) < 2 && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as(Files.readString(tmp.resolve("child.log"))).isTrue();
      assertThat(journalLines(journal)).isEqualTo(2);
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
    assertThat(out).doesNotExist();
    // the large layers were never in the working layout: only in the partial tarball
    assertThat(landed(tmp.resolve("out/b.tar.work"), layers.subList(0, 2))).isFalse();

    unstall(l, stuck, stuckBytes);
    Path lock = tmp.resolve("out/b.tar.lock.yaml");
    CommandResult resumed = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out.toString(),
        "--lock", lock.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    // the config was in the working layout and two layers in the partial tarball; only the stuck layer moves
    assertThat(resumed.out()).contains("fetched: 1 blobs (" + stuck.size() + " bytes), 3 already in the working directory");
    assertThat(tmp.resolve("out/b.tar.work")).doesNotExist();

    Path fresh = tmp.resolve("fresh/b.tar");
    CommandResult again = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", fresh.toString(),
        "--lock", lock.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("fetched: 4 blobs");
    assertThat(Files.readAllBytes(fresh)).isEqualTo(Files.readAllBytes(out));
    assertThat(Files.readString(out.resolveSibling("b.tar.sha256"))).startsWith(
        Digest.sha256(Files.readAllBytes(out)).hex());
  }

  private static long journalLines(Path journal) throws java.io.IOException {
    if (!Files.exists(journal)) {
      return 0;
    }
    return Files.readAllLines(journal).stream().filter(x -> !x.isBlank()).count();
  }

  @Test
  void twoGibibytesOfLayersUnderA128MibHeap() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<Descriptor> layers = new ArrayList<>();
    byte[] chunk = new byte[1 << 20];
    new Random(11).nextBytes(chunk);
    for (int i = 0; i < 8; i++) {
      Path t = tmp.resolve("layer.tmp");
      MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
      long size = 256L << 20;
      try (OutputStream o = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(t), 1 << 16), md)) {
        for (long w = 0; w < size; w += chunk.length) {
          chunk[0] = (byte) i;
          chunk[1] = (byte) (w >> 20);
          o.write(chunk);
        }
      }
      Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.of(Digest.Algorithm.SHA256, md.digest()), size);
      Files.move(t, l.blobPath(d.digest()));
      layers.add(d);
    }
    image(l, layers);
    writeSpec();
    Path out = tmp.resolve("out/b.tar");
    ProcessRunner.Result r = ProcessRunner.run(ProcessRunner.airlockJvm("128m", "bundle",
        tmp.resolve("bundle.yaml").toString(), "-o", out.toString()), 900);
    r.assertOk();
    assertThat(Files.size(out)).isGreaterThan(2L << 30);
    assertThat(r.out()).contains("fetched: 9 blobs");
    for (Descriptor d : layers) {
      Files.delete(l.blobPath(d.digest()));
    }
  }

  private static boolean landed(Path work, List<Descriptor> blobs) {
    return blobs.stream().allMatch(d -> Files.isRegularFile(work.resolve(d.digest().blobPath())));
  }

  private void writeSpec() throws Exception {
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: child}\n"
        + "spec:\n  images:\n    - layout: ./src:app\n      name: registry.example/big/app:1\n");
  }

  /** {@code count} layers of random bytes (the bundler does not look inside), {@code size}, {@code size + 1}... long. */
  private static List<Descriptor> randomLayers(LayoutStore l, long seed, int count, int size) throws IOException {
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      layers.add(l.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.randomBytes(seed * 100 + i, size + i)));
    }
    return layers;
  }

  /** Stores an amd64 image manifest over {@code layers}, tagged app. */
  private static void image(LayoutStore l, List<Descriptor> layers) throws IOException {
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(Platform.of("linux", "amd64", null), null, List.of()));
    TestImages.store(l, TestImages.manifest(null, config, layers, null), "app");
  }

  /** Replaces a stored blob by a FIFO nobody writes to, so that reading it blocks; returns its bytes for {@link #unstall}. */
  private static byte[] stall(LayoutStore l, Descriptor blob) throws Exception {
    byte[] bytes = Files.readAllBytes(l.blobPath(blob.digest()));
    Files.delete(l.blobPath(blob.digest()));
    ProcessRunner.run(List.of("mkfifo", l.blobPath(blob.digest()).toString())).assertOk();
    return bytes;
  }

  private static void unstall(LayoutStore l, Descriptor blob, byte[] bytes) throws IOException {
    Files.delete(l.blobPath(blob.digest()));
    Files.write(l.blobPath(blob.digest()), bytes);
  }
}
