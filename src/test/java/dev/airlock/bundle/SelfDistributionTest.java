package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bundle --include-self and extract-self with a small distribution tarball of the real layout: the layer is
 * carried, covered by verification, ignored by import, and taken out again whole; bad tarballs are refused.
 */
class SelfDistributionTest {
  @TempDir Path tmp;

  static final String TOP = "airlock-9.9.9-linux-x86_64";

  static Map<String, String> files() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put(TOP + "/VERSION", "9.9.9\n");
    f.put(TOP + "/bin/airlock", "#!/bin/sh\necho airlock\n");
    f.put(TOP + "/lib/airlock.jar", "not really a jar");
    f.put(TOP + "/runtime/bin/java", "#!/bin/sh\n");
    return f;
  }

  static Path tarball(Path dir, String name, Map<String, String> files, String linkName) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.putArchiveEntry(new TarArchiveEntry(TOP + "/"));
      tar.closeArchiveEntry();
      for (var e : files.entrySet()) {
        TarArchiveEntry te = new TarArchiveEntry(e.getKey());
        byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
        te.setSize(b.length);
        te.setMode(e.getKey().contains("/bin/") ? 0755 : 0644);
        tar.putArchiveEntry(te);
        tar.write(b);
        tar.closeArchiveEntry();
      }
      if (linkName != null) {
        TarArchiveEntry l = new TarArchiveEntry(linkName, TarArchiveEntry.LF_SYMLINK);
        l.setLinkName("/etc/passwd");
        tar.putArchiveEntry(l);
        tar.closeArchiveEntry();
      }
    }
    Path p = dir.resolve(name);
    Files.write(p, bytes.toByteArray());
    return p;
  }

  @Test
  void aTarballIsCarriedVerifiedIgnoredByImportAndExtractedWhole() throws Exception {
    Path dist = tarball(tmp, TOP + ".tar.gz", files(), null);
    Digest sha = Digest.sha256(Files.readAllBytes(dist));
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    TestImages.tag(l, TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("a", "app")), "app");
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: self}\n"
        + "spec:\n  images:\n    - layout: ./src:app\n      name: example.com/app:1\n");
    Path bundle = tmp.resolve("out/b.tar");
    CommandResult b = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString(),
        "--self-tarball", dist.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(b.out()).contains("self:    airlock 9.9.9 for linux-x86_64").contains(sha.hex());

    Descriptor layer = SelfDistribution.layers(BundleArchive.metadataLayers(bundle)).get(0);
    assertThat(layer.digest()).isEqualTo(sha);
    assertThat(layer.annotation(Descriptor.TITLE)).isEqualTo(TOP + ".tar.gz");
    assertThat(layer.annotation(BundleFormat.ANNOTATION_DISTRIBUTION_VERSION)).isEqualTo("9.9.9");

    CommandResult v = CommandResult.run("verify", bundle.toString(), "--allow-unsigned");
    assertThat(v.exitCode()).as(v.out() + v.err()).isZero();
    CommandResult imp = CommandResult.run("import", bundle.toString(), "--to", "oci:" + tmp.resolve("imported"),
        "--allow-unsigned", "--catalog", tmp.resolve("h.db").toString());
    assertThat(imp.exitCode()).as(imp.out() + imp.err()).isZero();
    assertThat(tmp.resolve("imported").resolve(sha.blobPath())).doesNotExist(); // metadata, not content

    CommandResult x = CommandResult.run("extract-self", bundle.toString(), "-o", tmp.resolve("x").toString(),
        "--allow-unsigned", "--platform", "linux-x86_64");
    assertThat(x.exitCode()).as(x.out() + x.err()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("x").resolve(TOP + ".tar.gz"))).isEqualTo(Files.readAllBytes(dist));
    assertThat(Files.readString(tmp.resolve("x").resolve(TOP + ".tar.gz.sha256"))).isEqualTo(sha.hex() + "  " + TOP + ".tar.gz\n");
    Path unpacked = tmp.resolve("x").resolve(TOP);
    assertThat(Files.readString(unpacked.resolve("bin/airlock"))).contains("echo airlock");
    assertThat(unpacked.resolve("bin/airlock")).isExecutable();
    assertThat(unpacked.resolve("lib/airlock.jar")).isNotEmptyFile();
    // a second extraction does not overwrite the unpacked copy
    CommandResult again = CommandResult.run("extract-self", bundle.toString(), "-o", tmp.resolve("x").toString(),
        "--allow-unsigned", "--platform", "linux-x86_64");
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("already exists");
    // another platform is not there: the error names what is
    CommandResult other = CommandResult.run("extract-self", bundle.toString(), "-o", tmp.resolve("y").toString(),
        "--allow-unsigned", "--platform", "linux-aarch64");
    assertThat(other.exitCode()).isEqualTo(1);
    assertThat(other.err()).contains("no airlock distribution for linux-aarch64").contains("linux-x86_64 (airlock 9.9.9)");
  }

  @Test
  void aBundleWithoutItOrUnsignedWithoutPermissionGivesNothing() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    TestImages.tag(l, TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("a", "app")), "app");
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: self}\n"
        + "spec:\n  images:\n    - layout: ./src:app\n");
    Path bundle = tmp.resolve("out/b.tar");
    assertThat(CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString()).exitCode()).isZero();
    CommandResult none = CommandResult.run("extract-self", bundle.toString(), "-o", tmp.resolve("x").toString(), "--allow-unsigned");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("carries no airlock distribution");
    CommandResult unsigned = CommandResult.run("extract-self", bundle.toString(), "-o", tmp.resolve("x").toString());
    assertThat(unsigned.exitCode()).isEqualTo(3);
    assertThat(unsigned.err()).contains("nothing was extracted");
  }

  @Test
  void badTarballsAreRefusedBeforeAnyFetch() throws Exception {
    Map<String, String> noJava = files();
    noJava.remove(TOP + "/runtime/bin/java");
    assertThatThrownBy(() -> SelfDistribution.inspect(tarball(tmp, TOP + ".tar.gz", noJava, null)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("has no " + TOP + "/runtime/bin/java");
    Files.createDirectories(tmp.resolve("l"));
    assertThatThrownBy(() -> SelfDistribution.inspect(tarball(tmp.resolve("l"), TOP + ".tar.gz", files(), TOP + "/lib/x")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("is not a regular file or directory");
    Map<String, String> escape = files();
    escape.put(TOP + "/../evil", "x");
    Files.createDirectories(tmp.resolve("e"));
    assertThatThrownBy(() -> SelfDistribution.inspect(tarball(tmp.resolve("e"), TOP + ".tar.gz", escape, null)))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("is outside");
    Files.createDirectories(tmp.resolve("v"));
    assertThatThrownBy(() -> SelfDistribution.inspect(tarball(tmp.resolve("v"), "airlock-1.0-linux-x86_64.tar.gz", files(), null)))
        .isInstanceOf(InvalidInputException.class);
    Path notGzip = Files.writeString(tmp.resolve("airlock-9.9.9-linux-aarch64.tar.gz"), "plain text");
    assertThatThrownBy(() -> SelfDistribution.inspect(notGzip)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("is not a whole gzip tarball");
    assertThatThrownBy(() -> SelfDistribution.inspect(Files.writeString(tmp.resolve("other.tar.gz"), "x")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("is not named as an airlock distribution");
    // and bundle refuses one before it fetches anything
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: s}\n"
        + "spec:\n  images:\n    - ref: 127.0.0.1:1/never/fetched:1\n");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", tmp.resolve("o.tar").toString(),
        "--self-tarball", notGzip.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("is not a whole gzip tarball").doesNotContain("127.0.0.1");
  }
}
