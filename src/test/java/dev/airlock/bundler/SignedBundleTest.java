package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle signed with --key passes the offline verifier with the public key; an unsigned one with --allow-unsigned. */
class SignedBundleTest {
  @TempDir Path tmp;

  @Test
  void signedAndUnsignedBundlesPassTheVerifier() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest amd = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("a", "amd"));
    RawManifest arm = TestImages.image(l, Platform.parse("linux/arm64"), TestImages.layer("a", "arm"));
    RawManifest idx = TestImages.index(l, List.of(amd, arm),
        List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64")));
    TestImages.tag(l, idx, "app");
    TestImages.cosignSignature(l, idx.digest());
    TestImages.spdxReferrer(l, idx, "zlib", "1.3");
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: signed}\n"
        + "spec:\n  platforms: [linux/arm64]\n  images:\n    - layout: ./src:app\n      name: registry.example/app:1\n");

    Path unsigned = tmp.resolve("u/b.tar");
    Path tuf = dev.airlock.testing.SharedTestData.sigstore("tuf-repo");
    CommandResult u = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", unsigned.toString(),
        "--tuf-repo", tuf.toString());
    assertThat(u.exitCode()).as(u.err()).isZero();
    try (var bundle = dev.airlock.store.archive.TarLayoutStore.open(unsigned)) {
      RawManifest root = bundle.getManifest("", dev.airlock.bundle.BundleFormat.ROOT_REF_NAME);
      var meta = root.manifests().stream()
          .filter(d -> dev.airlock.bundle.BundleFormat.METADATA_ARTIFACT_TYPE.equals(d.artifactType())).findFirst().orElseThrow();
      assertThat(bundle.getManifest("", meta.digest().toString()).layers())
          .extracting(dev.airlock.oci.Descriptor::mediaType).containsExactly(
              dev.airlock.bundle.BundleFormat.CATALOG_MEDIA_TYPE, dev.airlock.bundle.BundleFormat.LOCK_MEDIA_TYPE,
              dev.airlock.bundle.BundleFormat.SPEC_MEDIA_TYPE, dev.airlock.bundle.BundleFormat.TUF_REPO_MEDIA_TYPE);
    }
    CommandResult vu = CommandResult.run("verify", unsigned.toString(), "--allow-unsigned");
    assertThat(vu.exitCode()).as(vu.out() + vu.err()).isZero();

    run(tmp, "key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    Path signed = tmp.resolve("s/b.tar");
    run(tmp, "bundle", tmp.resolve("bundle.yaml").toString(), "-o", signed.toString(), "--key", tmp.resolve("k.key").toString());
    CommandResult vs = CommandResult.run("verify", signed.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(vs.exitCode()).as(vs.out() + vs.err()).isZero();
  }

  private static void run(Path tmp, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("256m", args)).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("child.log"))).isZero();
  }
}
