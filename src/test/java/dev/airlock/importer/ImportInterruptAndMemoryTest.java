package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Child-JVM imports into a real registry: killed half-way then resumed; a 2 GiB bundle under -Xmx128m. */
class ImportInterruptAndMemoryTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);

  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void anInterruptedImportResumesPushingOnlyWhatIsMissing() throws Exception {
    int layers = 64;
    Path layout = tmp.resolve("layout");
    LayoutStore store = LayoutStore.openOrCreate(layout);
    List<Descriptor> ls = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < layers; i++) {
      byte[] b = new byte[256 * 1024];
      rnd.nextBytes(b);
      ls.add(store.putBytes(MediaTypes.OCI_LAYER_GZIP, b));
    }
    Descriptor cfg = store.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(AMD64, "interrupt", List.of()));
    RawManifest m = TestImages.store(store, TestImages.manifest(null, cfg, ls, null), "docker.io/library/big:1");
    Path tar = BundleTarball.of(layout, tmp.resolve("big.tar"));

    Path blobs = registry.storage().resolve("docker/registry/v2/blobs/sha256");
    long baseline = countData(blobs); // other tests of this class share the registry
    Process child = new ProcessBuilder(ImportMain.command("128m", tar.toString(), registry.hostPort() + "/interrupt", "1"))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    while (child.isAlive() && countData(blobs) - baseline < 6) {
      Thread.sleep(10);
    }
    child.destroyForcibly();
    child.waitFor(30, TimeUnit.SECONDS);
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      assertThat(reg.resolve("interrupt/library/big", "1")).as("the first run must have been cut short: "
          + Files.readString(tmp.resolve("child.log"))).isEmpty();
    }
    long before = countData(blobs) - baseline;
    assertThat(before).isBetween(6L, (long) layers);

    ImportResult resumed = new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous()))
        .run(tar, new BundleImporter.Options(registry.hostPort() + "/interrupt", new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, null));
    assertThat(resumed.blobsSkipped()).isGreaterThanOrEqualTo(before - 1); // the interrupted blob may be unfinished
    assertThat(resumed.blobsPushed() + resumed.blobsSkipped()).isEqualTo(layers + 1L);
    assertThat(resumed.blobsPushed()).isLessThan(layers + 1L - 4);
    assertThat(resumed.proof()).anyMatch(l -> l.contains("interrupt/library/big:1 -> " + m.digest()));
  }

  @Test
  void aTwoGibBundleImportsUnder128MiBHeapWithoutTempSpace() throws Exception {
    long size = 2L * 1024 * 1024 * 1024;
    Path tar = tmp.resolve("2g.tar");
    Digest manifest = writeBigBundle(tar, size);
    Path childTmp = Files.createDirectories(tmp.resolve("child-tmp"));
    List<String> cmd = new ArrayList<>(ImportMain.command("128m", tar.toString(), registry.hostPort() + "/mem"));
    cmd.add(1, "-Djava.io.tmpdir=" + childTmp);
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("mem.log").toFile()).start();
    long maxTemp = 0;
    while (!child.waitFor(200, TimeUnit.MILLISECONDS)) {
      maxTemp = Math.max(maxTemp, treeSize(childTmp));
    }
    String log = Files.readString(tmp.resolve("mem.log"));
    assertThat(child.exitValue()).as(log).isZero();
    assertThat(log).contains("mem/library/huge:1 -> " + manifest);
    assertThat(maxTemp).as("temp space used").isLessThan(8L * 1024 * 1024);
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      assertThat(reg.resolve("mem/library/huge", "1").orElseThrow().digest()).isEqualTo(manifest);
    }
  }

  /** A bundle-shaped tar with one image whose layer is {@code size} pseudo-random bytes, generated twice, streaming. */
  static Digest writeBigBundle(Path tar, long size) throws IOException {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    generate(size, (b, n) -> md.update(b, 0, n));
    Digest layer = Digest.of(Digest.Algorithm.SHA256, md.digest());
    byte[] cfg = TestImages.config(AMD64, "huge", List.of());
    Descriptor cfgD = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(cfg), cfg.length);
    byte[] man = Json.write(TestImages.manifest(null, cfgD, List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer, size)), null));
    Digest manD = Digest.sha256(man);
    ObjectNode idx = TestImages.index(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, manD, man.length)
        .withAnnotation(Descriptor.REF_NAME, "docker.io/library/huge:1")));
    try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      entry(t, cfgD.digest().blobPath(), cfg);
      TarArchiveEntry e = new TarArchiveEntry(layer.blobPath());
      e.setSize(size);
      e.setModTime(0);
      t.putArchiveEntry(e);
      generate(size, (b, n) -> t.write(b, 0, n));
      t.closeArchiveEntry();
      entry(t, manD.blobPath(), man);
      entry(t, "index.json", Json.write(idx));
      entry(t, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    }
    return manD;
  }

  private interface Sink {
    void accept(byte[] b, int n) throws IOException;
  }

  private static void generate(long size, Sink sink) throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    byte[] buf = new byte[1 << 20];
    long left = size;
    while (left > 0) {
      for (int i = 0; i < buf.length; i += 8) {
        long v = rnd.nextLong();
        for (int k = 0; k < 8; k++) {
          buf[i + k] = (byte) (v >>> (8 * k));
        }
      }
      int n = (int) Math.min(buf.length, left);
      sink.accept(buf, n);
      left -= n;
    }
  }

  private static void entry(TarArchiveOutputStream t, String name, byte[] bytes) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(bytes.length);
    e.setModTime(0);
    t.putArchiveEntry(e);
    t.write(bytes);
    t.closeArchiveEntry();
  }

  static long countData(Path blobs) throws IOException {
    if (!Files.isDirectory(blobs)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(blobs)) {
      return s.filter(p -> p.getFileName().toString().equals("data")).count();
    }
  }

  static long treeSize(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }
}
