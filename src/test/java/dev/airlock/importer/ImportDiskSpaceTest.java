package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.Bundler;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: an import says so before it writes anything when the disk is too small, for an OCI layout target
 * and for the temporary copy a .tar.zst is decompressed into.
 */
class ImportDiskSpaceTest {
  @TempDir Path tmp;

  @Test
  void anOciTargetTooSmallIsSaidBeforeWritingWithBytesNeededAndFree() throws Exception {
    Peers.requireRoot("mounting a small tmpfs");
    Path bundle = bigBundle("big.tar", false);
    Path small = Files.createDirectories(tmp.resolve("small"));
    ProcessRunner.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())).assertOk();
    try {
      Path target = small.resolve("layout");
      CommandResult r = CommandResult.run("import", bundle.toString(), "--to", "oci:" + target, "--allow-unsigned",
          "--catalog", tmp.resolve("history.db").toString());
      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).containsPattern("not enough space for the import into oci:" + target + " in " + target
          + ": it needs about \\d+(\\.\\d)? MiB \\(\\d+ bytes\\), \\d+(\\.\\d)? (KiB|MiB) \\(\\d+ bytes\\) are free on .*;"
          + " nothing was imported").doesNotContain("No space left on device");
      try (var blobs = Files.walk(small)) {
        assertThat(blobs.filter(Files::isRegularFile).filter(p -> p.toString().contains("/blobs/"))).isEmpty();
      }
    } finally {
      ProcessRunner.run(List.of("umount", small.toString())).assertOk();
    }
  }

  @Test
  void aTempDirectoryTooSmallForTheDecompressedCopyIsSaidBeforeExpanding() throws Exception {
    Peers.requireRoot("mounting a small tmpfs");
    Path bundle = bigBundle("big.tar.zst", true);
    Path small = Files.createDirectories(tmp.resolve("smalltmp"));
    // 3 MiB: room for zstd-jni's native library (1 MiB), which it extracts there, not for the 8 MiB tarball
    ProcessRunner.run(List.of("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", small.toString())).assertOk();
    try {
      List<String> cmd = new ArrayList<>(ProcessRunner.airlockJvm("256m", "import", bundle.toString(), "--to",
          "oci:" + tmp.resolve("target"), "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString()));
      cmd.add(1, "-Djava.io.tmpdir=" + small);
      // sqlite-jdbc extracts its native library (larger than the tmpfs) elsewhere
      cmd.add(1, "-Dorg.sqlite.tmpdir=" + Files.createDirectories(tmp.resolve("sqlite")));
      ProcessRunner.Result r = ProcessRunner.run(cmd, 300);
      assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).containsPattern("not enough space for the decompressed copy of big.tar.zst \\(its verified"
          + " content plus tar headers\\) in " + small + ": it needs about \\d+(\\.\\d)? MiB \\(\\d+ bytes\\),"
          + " \\d+(\\.\\d)? (KiB|MiB) \\(\\d+ bytes\\) are free").doesNotContain("No space left on device");
      try (var left = Files.list(small)) { // no decompressed copy, no spool left behind
        assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.contains("zstd-jni"))).isEmpty();
      }
      assertThat(tmp.resolve("target")).doesNotExist();
    } finally {
      ProcessRunner.run(List.of("umount", small.toString())).assertOk();
    }
  }

  /** A bundle holding one incompressible 8 MiB layer. */
  private Path bigBundle(String name, boolean zstd) throws Exception {
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    RawManifest img = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.randomLayer(9, 8 << 20));
    layout.putManifest("", img, "example.test/big:1");
    Path spec = tmp.resolve("spec.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: big}\n"
        + "spec:\n  images:\n    - layout: ./layout:example.test/big:1\n");
    Path bundle = tmp.resolve(name);
    try (OpenedSourceStores stores = new OpenedSourceStores(RegistryOptions.defaults())) {
      new Bundler(stores, new ChartRepository(), null, null, "test")
          .bundle(new Bundler.Request(SpecReader.read(spec), tmp, bundle, null, zstd, null, 2,
              Instant.parse("2026-12-01T00:00:00Z")));
    }
    return bundle;
  }
}
