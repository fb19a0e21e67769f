package dev.airlock.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror's bound: a generated multi-GiB set (default 2 GiB: two images of four 256 MiB layers, each
 * twice the heap, all eight in flight at once; {@code -Dairlock.mirror.largeMiB} to change the size)
 * mirrored between two real docker-registry instances by {@code airlock mirror} in a child JVM with
 * {@code -Xmx128m}, whose temporary directory is watched: it must never hold 64 MiB. The layers are
 * generated while they are pushed to the source, never on disk nor in an array.
 *
 * <p>Fails fast: the child exits at its first {@link OutOfMemoryError} ({@code -XX:+ExitOnOutOfMemoryError},
 * where a JVM that lost its HTTP client threads would hang), and is killed when it has not finished within
 * {@code -Dairlock.mirror.timeoutSeconds} (150 s).
 */
@Tag("large")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MirrorLargeSetTest {
  private static final long TOTAL = Long.getLong("airlock.mirror.largeMiB", 2048) << 20;
  private static final long TIMEOUT_SECONDS = Long.getLong("airlock.mirror.timeoutSeconds", 150);
  private static final int LAYERS_PER_IMAGE = 4;
  private static final int IMAGES = 2;

  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry target = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void multiGibibyteSetMirrorsUnder128MiBHeapWithLittleTemporaryDisk() throws Exception {
    long layerSize = TOTAL / (IMAGES * LAYERS_PER_IMAGE);
    List<RawManifest> images = new ArrayList<>();
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous())) {
      for (int i = 0; i < IMAGES; i++) {
        List<Descriptor> layers = new ArrayList<>();
        for (int k = 0; k < LAYERS_PER_IMAGE; k++) {
          long seed = 0x9E3779B97F4A7C15L + 31L * i + k;
          Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, digestOf(seed, layerSize), layerSize);
          reg.putBlob("big/app" + i, d, () -> new Generated(seed, layerSize));
          layers.add(d);
        }
        Descriptor cfg = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(TestImages.config(Platform.parse("linux/amd64"),
            "image " + i, List.of())), TestImages.config(Platform.parse("linux/amd64"), "image " + i, List.of()).length);
        byte[] cfgBytes = TestImages.config(Platform.parse("linux/amd64"), "image " + i, List.of());
        reg.putBlob("big/app" + i, cfg, () -> new java.io.ByteArrayInputStream(cfgBytes));
        RawManifest m = RawManifest.of(dev.airlock.oci.Json.write(TestImages.manifest(null, cfg, layers, null)), null, "m");
        reg.putManifest("big/app" + i, m, "v1");
        images.add(m);
      }
    }
    Path spec = tmp.resolve("big.yaml");
    StringBuilder yaml = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: big}\nspec:\n"
        + "  images:\n");
    for (int i = 0; i < IMAGES; i++) {
      yaml.append("    - ref: ").append(source.hostPort()).append("/big/app").append(i).append(":v1\n");
    }
    Files.writeString(spec, yaml.toString());
    Path tmpDir = Files.createDirectories(tmp.resolve("java-tmp"));
    List<String> cmd = new ArrayList<>(ProcessRunner.airlockJvm("128m", "mirror", spec.toString(), "--to",
        target.hostPort(), "--catalog", tmp.resolve("h.db").toString()));
    cmd.add(1, "-Djava.io.tmpdir=" + tmpDir);
    cmd.add(1, "-XX:+ExitOnOutOfMemoryError");
    for (String flag : System.getProperty("airlock.mirror.jvmFlags", "").split(" ")) {
      if (!flag.isBlank()) {
        cmd.add(1, flag);
      }
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("out.log").toFile()).start();
    AtomicLong peak = new AtomicLong();
    long deadline = System.nanoTime() + TIMEOUT_SECONDS * 1_000_000_000L;
    try {
      while (p.isAlive() && System.nanoTime() < deadline) {
        peak.accumulateAndGet(treeSize(tmpDir), Math::max);
        Thread.sleep(100);
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(false).as("mirror not finished after " + TIMEOUT_SECONDS + " s (killed): "
            + tail(Files.readString(tmp.resolve("out.log")))).isTrue();
      }
    }
    String log = Files.readString(tmp.resolve("out.log"));
    assertThat(log).as("the child ran out of heap").doesNotContain("OutOfMemoryError");
    assertThat(p.exitValue()).as(tail(log)).isZero();
    assertThat(log).contains("mirrored 2 items").contains("blobs pushed " + (IMAGES * (LAYERS_PER_IMAGE + 1)));
    assertThat(peak.get()).as("peak temporary disk").isLessThan(64L << 20);
    try (RegistryStore reg = RegistryStore.open(target.hostPort(), RegistryOptions.anonymous())) {
      for (int i = 0; i < IMAGES; i++) {
        assertThat(reg.resolve("big/app" + i, "v1")).get().extracting(Descriptor::digest).isEqualTo(images.get(i).digest());
        for (Descriptor l : images.get(i).layers()) {
          assertThat(reg.blobSize("big/app" + i, l.digest())).hasValue(layerSize);
        }
      }
    }
    System.out.println("mirror of " + (TOTAL >> 20) + " MiB: peak temporary disk " + peak.get() + " bytes");
  }

  private static String tail(String log) {
    return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
  }

  private static long treeSize(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          return 0; // removed while walking
        }
      }).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private static Digest digestOf(long seed, long size) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    try (InputStream in = new Generated(seed, size)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.of(Digest.Algorithm.SHA256, md.digest());
  }

  /** {@code size} xorshift bytes from {@code seed}, generated as they are read. */
  private static final class Generated extends InputStream {
    private long x;
    private long left;
    private final byte[] word = new byte[8];
    private int at = 8;

    Generated(long seed, long size) {
      this.x = seed;
      this.left = size;
    }

    @Override
    public int read() {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      for (int i = 0; i < n; i++) {
        if (at == 8) {
          x ^= x << 13;
          x ^= x >>> 7;
          x ^= x << 17;
          for (int k = 0; k < 8; k++) {
            word[k] = (byte) (x >>> (8 * k));
          }
          at = 0;
        }
        b[off + i] = word[at++];
      }
      left -= n;
      return n;
    }
  }
}
