package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What airlock pushes, skopeo pulls with identical digests, and the reverse. */
class SkopeoInteropTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void skopeoReadsWhatAirlockPushed() throws Exception {
    Path skopeo = Peers.skopeo();
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    Platform amd64 = Platform.parse("linux/amd64");
    Platform arm64 = Platform.parse("linux/arm64");
    RawManifest a = TestImages.image(src, amd64, TestImages.randomLayers(61, 2));
    RawManifest b = TestImages.image(src, arm64, TestImages.randomLayers(62, 1));
    RawManifest idx = TestImages.index(src, List.of(a, b), List.of(amd64, arm64));
    TestImages.tag(src, idx, "multi");
    RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
    try (GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(src, "", "multi", "interop/multi", "multi");
    }
    String ref = "docker://" + registry.hostPort() + "/interop/multi:multi";
    ProcessRunner.Result raw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false", ref)).assertOk();
    assertThat(rawDigest(raw.out())).isEqualTo(idx.digest());

    Path out = tmp.resolve("skopeo-out");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--all", "--src-tls-verify=false", ref, "oci:" + out + ":multi")).assertOk();
    LayoutStore pulled = LayoutStore.open(out);
    assertThat(pulled.resolve("", "multi")).get().extracting(Descriptor::digest).isEqualTo(idx.digest());
    assertThat(pulled.hasBlob("", a.layers().get(1).digest())).isTrue();
  }

  @Test
  void airlockReadsWhatSkopeoPushed() throws Exception {
    Path skopeo = Peers.skopeo();
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.randomLayers(63, 2));
    TestImages.tag(src, img, "v1");
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--dest-tls-verify=false", "oci:" + src.root() + ":v1",
        "docker://" + registry.hostPort() + "/interop/single:v1")).assertOk();
    String raw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + registry.hostPort() + "/interop/single:v1")).assertOk().out();
    Digest skopeoDigest = rawDigest(raw);

    RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
    LayoutStore back = LayoutStore.openOrCreate(tmp.resolve("back"));
    try (GraphCopier c = new GraphCopier(back, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(reg, "interop/single", "v1", "", "v1");
    }
    assertThat(back.resolve("", "v1")).get().extracting(Descriptor::digest).isEqualTo(skopeoDigest);
    assertThat(skopeoDigest).isEqualTo(img.digest());
    back.verifyAllBlobs();
  }

  /** skopeo prints the raw manifest followed by one newline. */
  private static Digest rawDigest(String out) {
    String body = out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    return Digest.sha256(body.getBytes(StandardCharsets.UTF_8));
  }
}
