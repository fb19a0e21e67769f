package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
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
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.layer("layer-bytes"));
    TestImages.tag(src, img, "v1");
    RawManifest sigM = TestImages.referrer(src, img, "application/vnd.example.signature", TestImages.utf8("{}"));

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
    assertThat(Files.readAllBytes(back.blobPath(img.digest()))).isEqualTo(img.bytes());

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
