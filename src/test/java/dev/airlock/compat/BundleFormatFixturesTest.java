package dev.airlock.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bundles written by earlier airlock versions (src/test/resources/fixtures/bundle-vN) must still verify and
 * import. The fixtures are never regenerated; each format version adds its own directory.
 */
class BundleFormatFixturesTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  static final Digest MULTIARCH = Digest.parse("sha256:c8eef12a4693004b39509482e5648c61d4b56732c4f87a28414d8695eaa5343c");
  static final Digest AMD64 = Digest.parse("sha256:faf132ab0f694b20ca0722b867ef64108dd2d46b185675205987abac82e77cf1");
  static final Digest ARM64 = Digest.parse("sha256:62b236696df76343bab0163c443ac483388b6ab6f9596f2da60cad0f1a20f366");
  static final Digest TOOLS = Digest.parse("sha256:170ca15e33a2d8b26754666bcbe9fce46b28e7a2be708521e3ccda581b952623");

  @TempDir Path tmp;

  @Test
  void fixturesAreTheBytesThatWereCommitted() throws Exception {
    for (String line : Files.readAllLines(V1.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(sha256(V1.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-full.tar", "v1-full.tar.zst", "v1-filtered.tar"})
  void v1BundlesVerifyWithTheirKey(String name) {
    CommandResult r = CommandResult.run("verify", V1.resolve(name).toString(), "--key", V1.resolve("fixture.pub").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("signed by key c4f5201a645b").contains("Verified.");
  }

  @Test
  void v1BundleFailsWithAnotherKey() throws IOException {
    Path other = tmp.resolve("other.pub");
    Files.writeString(other, PublicKeys.toPem(SigningKey.generate().publicKey()));
    CommandResult r = CommandResult.run("verify", V1.resolve("v1-full.tar").toString(), "--key", other.toString());
    assertThat(r.exitCode()).isEqualTo(3);
  }

  @Test
  void aBundleWrittenNowDeclaresTheCurrentVersionAndTheV1OnesDeclareNone() throws Exception {
    Path layout = tmp.resolve("sample-layout");
    ProcessRunner.run(List.of("bash", "samples/make-sample-layout.sh", layout.toString())).assertOk();
    Files.copy(V1.resolve("full.yaml"), tmp.resolve("full.yaml"));
    CommandResult b = CommandResult.run("bundle", tmp.resolve("full.yaml").toString(), "-o", tmp.resolve("now.tar").toString());
    assertThat(b.exitCode()).as(b.out() + b.err()).isZero();
    CommandResult now = CommandResult.run("verify", tmp.resolve("now.tar").toString(), "--allow-unsigned", "-o", "json");
    assertThat(now.exitCode()).as(now.out() + now.err()).isZero();
    assertThat(Json.tree(now.out().getBytes(), "report").path("formatVersion").asInt()).isEqualTo(BundleFormat.FORMAT_VERSION);
    CommandResult old = CommandResult.run("verify", V1.resolve("v1-full.tar").toString(), "--allow-unsigned", "-o", "json");
    assertThat(Json.tree(old.out().getBytes(), "report").path("formatVersion").asInt()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-full.tar", "v1-full.tar.zst"})
  void v1BundlesImportWithEveryDigestPreserved(String name) throws IOException {
    Path out = tmp.resolve("imported");
    CommandResult r = CommandResult.run("import", V1.resolve(name).toString(), "--to", "oci:" + out,
        "--key", V1.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.resolve("samples/tools", "1.0").orElseThrow().digest()).isEqualTo(TOOLS);
    assertThat(t.referrers("samples/tools", TOOLS, null)).hasSize(1);
    t.verifyAllBlobs();
    assertThat(List.of(r.out())).allMatch(o -> o.contains("ok  oci:"));
  }

  @Test
  void v1FilteredBundleImportsIntoALayoutKeepingTheSparseIndexByteForByte() throws IOException {
    Path out = tmp.resolve("imported");
    CommandResult r = CommandResult.run("import", V1.resolve("v1-filtered.tar").toString(), "--to", "oci:" + out,
        "--key", V1.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.getManifest("samples/multiarch", MULTIARCH.toString()).manifests()).hasSize(2);
    assertThat(t.hasBlob("samples/multiarch", AMD64)).isTrue();
    assertThat(t.hasBlob("samples/multiarch", ARM64)).as("left out by the bundle's platform filter").isFalse();
    assertThat(t.resolve("samples/tools", "1.0").orElseThrow().digest()).isEqualTo(TOOLS);
    t.verifyAllBlobs();
    assertThat(r.out()).contains("index: samples/multiarch:1.0 -> original index " + MULTIARCH)
        .contains("ok  oci:" + out + "/samples/multiarch:1.0 -> " + MULTIARCH);
  }

  private static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
