package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.receipt.DigestInventory;
import dev.airlock.receipt.ReceiptWriter;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delta that leaves out 100,000 base blobs (100 images of 1,000 layers each): verified by a child JVM of 48 MiB
 * (the layout check kept every manifest parsed and a set of the left-out blobs, and ran out of 64 MiB), then imported
 * by one of 96 MiB, a dry run and the import itself (the pre-check's needs were in maps and ran out of 96 MiB; the
 * push's holders and skipped sets grew by a blob each): all of those are now in temporary databases. The target is an {@code oci:} layout whose 100,000 blob files are hard links to two
 * files of the layers' size (the pre-check asks for presence and size, as a registry's HEAD answers; the content is
 * never read), so the test costs directory entries, not 100,000 files of data. One link removed: exit 3 naming it.
 */
class DeltaPreflightScaleTest {
  @TempDir Path tmp;

  static final int IMAGES = 100;
  static final int LAYERS = 1000;
  static final int LAYER_SIZE = 64;
  /**
   * The child JVM's heap: what the verification before the pre-check needs at this scale (it fails under 64 MiB, in
   * the layout check); the pre-check that held its needs in the heap failed under it (at 96 MiB, in its walk).
   */
  static final String HEAP = "96m";
  /** The verification alone (BundleLayoutChecker): it ran out of 64 MiB at this scale when it kept every manifest. */
  static final String VERIFY_HEAP = "48m";

  static Digest layer(int i) {
    return Digest.sha256(("layer " + i).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aHundredThousandBaseBlobsArePreCheckedInBoundedMemory() throws Exception {
    Path target = tmp.resolve("site");
    LayoutStore.openOrCreate(target);
    List<Path> ones = new ArrayList<>(); // ext4 allows 65,000 links to a file
    for (int n = 0; n < 2; n++) {
      ones.add(Files.write(tmp.resolve("one-blob-" + n), new byte[LAYER_SIZE]));
    }
    Path blobs = Files.createDirectories(target.resolve("blobs/sha256"));
    Path receipt = tmp.resolve("site.receipt.json");
    try (DigestInventory inv = DigestInventory.create()) {
      for (int i = 0; i < IMAGES * LAYERS; i++) {
        Digest d = layer(i);
        Files.createLink(blobs.resolve(d.hex()), ones.get(i % 2));
        inv.addBlob(d, LAYER_SIZE);
      }
      ReceiptWriter.write(inv, "oci:" + target.toAbsolutePath().normalize(), Instant.parse("2026-12-02T10:00:00Z"),
          "airlock test", null, receipt);
    }

    // the source: 100 images whose layers are all at the site (never read: a delta does not fetch them)
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    StringBuilder spec = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: scale}\nspec:\n"
        + "  images:\n");
    for (int k = 0; k < IMAGES; k++) {
      List<Descriptor> layers = new ArrayList<>();
      StringBuilder diffIds = new StringBuilder();
      for (int j = 0; j < LAYERS; j++) {
        Digest d = layer(k * LAYERS + j);
        layers.add(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, d, LAYER_SIZE));
        diffIds.append(j == 0 ? "" : ",").append('"').append(Digest.sha256(("diff " + (k * LAYERS + j)).getBytes())).append('"');
      }
      Descriptor config = src.putBytes(MediaTypes.OCI_CONFIG, ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
          + "\"Labels\":{\"image\":\"" + k + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
          .getBytes(StandardCharsets.UTF_8));
      ObjectNode json = TestImages.manifest(null, config, layers, null);
      RawManifest m = RawManifest.of(Json.write(json), null, "test manifest");
      src.putManifest("", m, "app-" + k, d -> true);
      spec.append("    - layout: ./src:app-").append(k).append("\n      name: registry.example/scale/app").append(k)
          .append(":1.0\n");
    }
    Path specFile = tmp.resolve("scale.yaml");
    Files.writeString(specFile, spec.toString());
    Path delta = tmp.resolve("delta.tar");
    CommandResult b = CommandResult.run("bundle", specFile.toString(), "-o", delta.toString(), "--since",
        receipt.toString(), "--allow-unsigned-receipt");
    assertThat(b.exitCode()).as(b.err() + b.out()).isZero();
    assertThat(b.out()).contains("delta:   100000 blobs");
    System.out.println("delta of " + IMAGES * LAYERS + " left-out blobs: " + Files.size(delta) + " bytes");
    if (System.getenv("AIRLOCK_DELTASCALE_KEEP") != null) { // to measure by hand
      Files.copy(delta, Path.of(System.getenv("AIRLOCK_DELTASCALE_KEEP")),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    long v0 = System.nanoTime();
    var verified = ProcessRunner.run(new ProcessBuilder(ProcessRunner.airlockJvm(VERIFY_HEAP, "verify", delta.toString(),
        "--allow-unsigned")), 600);
    assertThat(verified.exitCode()).as(verified.err() + verified.out()).isZero();
    assertThat(verified.out()).contains("100000 blobs left out as expected at the target");
    System.out.println("verify of the delta under -Xmx" + VERIFY_HEAP + ": " + (System.nanoTime() - v0) / 1_000_000
        + " ms (child JVM)");

    List<String> args = List.of("import", delta.toString(), "--to", "oci:" + target, "--allow-unsigned", "--dry-run",
        "--catalog", tmp.resolve("history.db").toString());
    long t0 = System.nanoTime();
    var ok = ProcessRunner.run(new ProcessBuilder(ProcessRunner.airlockJvm(HEAP, args.toArray(String[]::new))), 600);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ok.exitCode()).as(ok.err() + ok.out()).isZero();
    assertThat(ok.err()).contains("delta: 100000 blobs left out of the bundle are at the target (100000 uses");
    System.out.println("pre-check of " + IMAGES * LAYERS + " base blobs under -Xmx" + HEAP + ": " + ms + " ms (dry run, child JVM)");

    // the import itself, in the same bound: verification, pre-check, and the push (100 manifests written, 100,000
    // blobs found present and counted as skipped, each once, on disk)
    List<String> real = List.of("import", delta.toString(), "--to", "oci:" + target, "--allow-unsigned", "--catalog",
        tmp.resolve("history.db").toString());
    t0 = System.nanoTime();
    var pushed = ProcessRunner.run(new ProcessBuilder(ProcessRunner.airlockJvm(HEAP, real.toArray(String[]::new))), 600);
    ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(pushed.exitCode()).as(pushed.err() + pushed.out()).isZero();
    assertThat(pushed.out() + pushed.err()).contains("skipped 100000");
    System.out.println("import of the delta (" + IMAGES + " images, " + IMAGES * LAYERS + " base blobs) under -Xmx" + HEAP
        + ": " + ms + " ms (child JVM)");

    // one base blob gone: named, exit 3, in the same bound
    Digest gone = layer(IMAGES * LAYERS / 2 + 7);
    Files.delete(blobs.resolve(gone.hex()));
    var missing = ProcessRunner.run(new ProcessBuilder(ProcessRunner.airlockJvm(HEAP, args.toArray(String[]::new))),
        600);
    assertThat(missing.exitCode()).as(missing.err() + missing.out()).isEqualTo(3);
    String last = missing.err().strip().substring(missing.err().strip().lastIndexOf('\n') + 1);
    assertThat(last).contains("needs 1 blob that oci:").contains(gone + " (" + LAYER_SIZE + " bytes, expected at the"
        + " target) for registry.example/scale/app50:1.0").contains("nothing was pushed");
  }
}
