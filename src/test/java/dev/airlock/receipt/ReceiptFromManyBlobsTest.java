package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code receipt --from} of a docker-registry 2.8.2 holding 2,000 blobs (100 repositories, one image each of a
 * config and 19 layers): every blob is asked of the registry (a HEAD, several at once) and listed with the repository
 * holding it. The time is printed for the record (measured, not asserted: benchmarks live under bench/).
 */
class ReceiptFromManyBlobsTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  static final int REPOSITORIES = 100;
  static final int LAYERS = 19;

  @Test
  void twoThousandBlobsAreAskedAndListed() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<RawManifest> images = new ArrayList<>();
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      for (int r = 0; r < REPOSITORIES; r++) {
        byte[][] layers = new byte[LAYERS][];
        for (int j = 0; j < LAYERS; j++) {
          layers[j] = TestImages.layer("r" + r + "l" + j, "1.0");
        }
        RawManifest m = TestImages.image(l, Platform.parse("linux/amd64"), layers);
        images.add(m);
        c.copy(l, "", m.digest().toString(), String.format("many/r%03d", r), "1.0");
      }
    }
    Path out = tmp.resolve("many.json");
    long t0 = System.nanoTime();
    CommandResult rc = CommandResult.run("receipt", "--from", registry.hostPort(), "-o", out.toString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(rc.exitCode()).as(rc.err()).isZero();
    long blobs = (long) REPOSITORIES * (LAYERS + 1);
    assertThat(rc.out()).contains("receipt: " + REPOSITORIES + " repositories, " + REPOSITORIES + " tags, " + REPOSITORIES
        + " manifests, " + blobs + " blobs");
    try (Receipt r = Receipt.read(out)) {
      assertThat(r.inventory().blobCount()).isEqualTo(blobs);
      assertThat(r.inventory().blobRepository(images.get(42).layers().get(7).digest())).hasValue("many/r042");
    }
    System.out.println("receipt --from a docker-registry of " + blobs + " blobs in " + REPOSITORIES + " repositories: "
        + ms + " ms (in-process CLI, " + blobs + " HEADs)");
  }
}
