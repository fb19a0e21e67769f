package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock copy} between oci: layouts and a real registry, both ways and registry to registry. */
class CopyCommandTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void copiesLayoutToRegistryToRegistryToLayoutWithReferrers() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    Descriptor layer = src.putBytes("application/vnd.oci.image.layer.v1.tar+gzip", "layer-bytes".getBytes(StandardCharsets.UTF_8));
    Descriptor cfg = src.putBytes("application/vnd.oci.image.config.v1+json", "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8));
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
        + "{\"mediaType\":\"" + cfg.mediaType() + "\",\"digest\":\"" + cfg.digest() + "\",\"size\":" + cfg.size() + "},"
        + "\"layers\":[{\"mediaType\":\"" + layer.mediaType() + "\",\"digest\":\"" + layer.digest() + "\",\"size\":" + layer.size() + "}]}";
    byte[] mb = manifest.getBytes(StandardCharsets.UTF_8);
    dev.airlock.oci.RawManifest img = dev.airlock.oci.RawManifest.of(mb, null, "m");
    src.putManifest("", img, "v1");
    Descriptor empty = src.putBytes("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
    String sig = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/vnd.example.signature\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + empty.digest() + "\",\"size\":2},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + empty.digest() + "\",\"size\":2}],"
        + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + img.digest() + "\",\"size\":" + mb.length + "}}";
    dev.airlock.oci.RawManifest sigM = dev.airlock.oci.RawManifest.of(sig.getBytes(StandardCharsets.UTF_8), null, "sig");
    src.putManifest("", sigM, null);

    String reg = registry.hostPort();
    CommandResult up = CommandResult.run("copy", "--referrers", "oci:" + src.root() + ":v1", reg + "/cli/app:v1");
    assertThat(up.exitCode()).as(up.err()).isZero();
    assertThat(up.out()).contains(img.digest().toString()).contains("2 manifest(s)").contains("1 referrer(s)");

    CommandResult across = CommandResult.run("copy", "--referrers", "-j", "2", reg + "/cli/app:v1", reg + "/cli/mirror:v1");
    assertThat(across.exitCode()).as(across.err()).isZero();
    assertThat(across.out()).contains("1 referrer(s)");

    Path out = tmp.resolve("out");
    CommandResult down = CommandResult.run("copy", "--referrers", reg + "/cli/mirror:v1", "oci:" + out + ":v1");
    assertThat(down.exitCode()).as(down.err()).isZero();
    LayoutStore back = LayoutStore.open(out);
    assertThat(back.resolve("", "v1")).get().extracting(Descriptor::digest).isEqualTo(img.digest());
    assertThat(back.referrers("", img.digest(), null)).extracting(Descriptor::digest).containsExactly(sigM.digest());
    assertThat(Files.readAllBytes(back.blobPath(img.digest()))).isEqualTo(mb);

    // again: nothing left to copy
    CommandResult again = CommandResult.run("copy", "oci:" + src.root() + ":v1", reg + "/cli/app:v1");
    assertThat(again.out()).contains("0 blob(s) copied");
  }

  @Test
  void aMissingImageIsOneClearLine() {
    CommandResult r = CommandResult.run("copy", registry.hostPort() + "/cli/none:v9", "oci:" + tmp.resolve("x") + ":v9");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err().strip()).doesNotContain("\n").contains("cli/none:v9").contains("404").contains("MANIFEST_UNKNOWN");
    assertThat(Digest.isValid("sha256:" + "0".repeat(64))).isTrue();
  }
}
