package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code urls} are allowed only on foreign (non-distributable) layers (issue 22; verify refuses anything
 * else), so the bundler refuses such an image with one line instead of writing a bundle verify rejects.
 */
class BundleRefusesUrlsTest {
  @TempDir Path tmp;

  @Test
  void aLayerWithUrlsThatIsNotForeignIsRefused() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    Descriptor layer = l.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.layer("f", "content"));
    Descriptor withUrls = new Descriptor(layer.mediaType(), layer.digest(), layer.size(),
        List.of("https://evil.example/layer.tar.gz"), null, null, null);
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(Platform.parse("linux/amd64"), null, List.of()));
    TestImages.store(l, TestImages.manifest(null, config, List.of(withUrls), null), "app");
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata:\n  name: urls\n"
        + "spec:\n  images:\n    - layout: ./src:app\n      name: registry.example/urls/app:1\n");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", tmp.resolve("out/b.tar").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isNotZero();
    String[] lines = r.err().strip().split("\n");
    assertThat(lines[lines.length - 1]).startsWith("airlock: ").contains("gives urls for " + layer.digest())
        .contains("only on foreign (non-distributable) layers");
    assertThat(tmp.resolve("out/b.tar")).doesNotExist();
  }
}
