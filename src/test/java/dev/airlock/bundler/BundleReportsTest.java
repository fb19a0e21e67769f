package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What bundle says about what it did, and how it fails early: counts that agree with audit's, a registry
 * that is down named with the spec entry that needed it, a disk too small said before writing, and no
 * working directory left behind by a failure before anything was fetched.
 */
class BundleReportsTest {
  @TempDir Path tmp;

  @Test
  void theCountsOfBundleAndAuditAgreeAndAFirstRunFoundNothingInTheWorkingDirectory() throws Exception {
    ProcessRunner.run(List.of("bash", "samples/make-sample-layout.sh", tmp.resolve("sample-layout").toString())).assertOk();
    Files.copy(Path.of("samples/bundle-local.yaml"), tmp.resolve("bundle-local.yaml"));
    CommandResult b = CommandResult.run("bundle", tmp.resolve("bundle-local.yaml").toString(), "-o",
        tmp.resolve("samples.tar").toString());
    assertThat(b.exitCode()).as(b.out() + b.err()).isZero();
    Matcher content = Pattern.compile("content: 2 entries, (\\d+) blobs stored \\((\\d+) manifests, (\\d+) configs and"
        + " layers; (\\d+) files with the bundle's own metadata\\)").matcher(b.out());
    assertThat(content.find()).as(b.out()).isTrue();
    assertThat(Integer.parseInt(content.group(1))).isEqualTo(Integer.parseInt(content.group(2)) + Integer.parseInt(content.group(3)));
    assertThat(b.out()).contains(", 0 already in the working directory").doesNotContain("left by an earlier run");
    assertThat(b.out()).contains("signed:  no (no --key)");
    CommandResult a = CommandResult.run("audit", tmp.resolve("samples.tar").toString());
    assertThat(a.exitCode()).as(a.err()).isZero();
    assertThat(a.out()).contains("blobs stored:      " + content.group(1) + ",");
    assertThat(Integer.parseInt(content.group(4))).isGreaterThan(Integer.parseInt(content.group(1)));
  }

  @Test
  void aRegistryThatIsDownIsNamedWithTheSpecEntryThatNeededItAndNoWorkingDirectoryStays() throws Exception {
    int port = RealRegistry.freePort();
    Files.writeString(tmp.resolve("spec.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: down}\n"
        + "spec:\n  images:\n    - ref: 127.0.0.1:" + port + "/library/alpine:3.20\n");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("spec.yaml").toString(), "-o", tmp.resolve("b.tar").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    String error = r.err().lines().filter(l -> l.startsWith("airlock: ")).findFirst().orElse("");
    assertThat(error).as(r.err()).startsWith("airlock: spec.yaml:6: image 127.0.0.1:" + port + "/library/alpine:3.20: ")
        .contains("connection refused").doesNotContain("ConnectException");
    assertThat(r.err().lines().filter(l -> l.startsWith("airlock: "))).hasSize(1);
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("spec.yaml");
    }
  }

  @Test
  void aDiskTooSmallIsSaidBeforeWritingWithBytesNeededAndFree() throws Exception {
    Peers.requireRoot("mounting a small tmpfs");
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    RawManifest img = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.randomLayer(7, 3 << 20));
    layout.putManifest("", img, "example.test/big:1");
    Files.writeString(tmp.resolve("spec.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: big}\n"
        + "spec:\n  images:\n    - layout: ./layout:example.test/big:1\n");
    Path small = Files.createDirectories(tmp.resolve("small"));
    ProcessRunner.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())).assertOk();
    try {
      CommandResult r = CommandResult.run("bundle", tmp.resolve("spec.yaml").toString(), "-o", small.resolve("b.tar").toString());
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err()).containsPattern("not enough space for the (bundle tarball|working directory) in " + small
          + "\\S*: it needs about 3\\.\\d MiB \\(\\d+ bytes\\), \\d+(\\.\\d)? (KiB|MiB) \\(\\d+ bytes\\) are free")
          .doesNotContain("No space left on device");
      try (var files = Files.list(small)) {
        List<String> left = files.map(p -> p.getFileName().toString()).toList();
        assertThat(left).doesNotContain("b.tar");
        if (!left.isEmpty()) { // a working directory kept for resume is said to be kept
          assertThat(r.err()).contains("is kept: the same command again resumes from it");
        }
      }
    } finally {
      ProcessRunner.run(List.of("umount", small.toString())).assertOk();
    }
  }
}
