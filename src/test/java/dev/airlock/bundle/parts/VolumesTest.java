package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ~30 MiB bundle cut into 4 MiB volumes, one layer larger than a volume: every part at most 4 MiB, each
 * verifies alone, the set verifies, and a flipped byte, a removed part or a part of another bundle is named
 * by its number.
 */
public class VolumesTest {
  static final long VOLUME = 4L << 20;
  @TempDir static Path tmp;
  static Path parts;
  static List<Path> files;

  @BeforeAll
  static void bundle() throws Exception {
    source(tmp, "src", 1);
    child("key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    parts = Files.createDirectories(tmp.resolve("parts"));
    // under the 128 MiB heap the launcher gives
    String out = child("bundle", tmp.resolve("bundle.yaml").toString(), "-o", parts.resolve("site.tar").toString(),
        "--volume-size", "4MiB", "--key", tmp.resolve("k.key").toString());
    assertThat(out).contains("parts:   ");
    files = partFiles(parts);
  }

  /** A layout with one image of ~30 MiB: a 9 MiB layer (more than two volumes) and smaller ones. */
  public static void source(Path dir, String name, long seed) throws IOException {
    LayoutStore l = LayoutStore.openOrCreate(dir.resolve(name));
    List<Descriptor> layers = new ArrayList<>();
    int[] sizes = {9 << 20, 5 << 20, 3 << 20, 3 << 20, 2 << 20, 1 << 20, 700_000, 300_001, 4 << 20, 2 << 20, 1};
    for (int i = 0; i < sizes.length; i++) {
      layers.add(l.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.randomBytes(seed * 1000 + i, sizes[i])));
    }
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(Platform.of("linux", "amd64", null), null, List.of()));
    TestImages.store(l, TestImages.manifest(null, config, layers, null), "app");
    Files.writeString(dir.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: site}\n"
        + "spec:\n  images:\n    - layout: ./" + name + ":app\n      name: registry.example/site/app:1\n");
  }

  public static List<Path> partFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("site\\.part-\\d+-of-\\d+\\.tar")).sorted().toList();
    }
  }

  /** Runs airlock in a child JVM of 128 MiB heap with the key password set; returns its output. */
  static String child(String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("128m", args)).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(tmp.resolve("child.log"));
    assertThat(p.exitValue()).as(String.join(" ", args) + "\n" + log).isZero();
    return log;
  }

  static CommandResult run(String... args) {
    CommandResult r = CommandResult.run(args);
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isZero();
    return r;
  }

  @Test
  void everyPartIsAtMostOneVolumeAndVerifiesAlone() throws Exception {
    assertThat(files).hasSizeBetween(8, 10);
    for (Path p : files) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(VOLUME);
    }
    assertThat(Files.size(files.get(0))).isGreaterThan(VOLUME - 64 * 1024); // volumes are filled, not padded
    Path third = files.get(2);
    CommandResult r = run("verify", third.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(r.out()).contains("this is part 3 of " + files.size() + " of bundle 'site'").contains("manifest signed by key")
        .contains("Verified (this part alone");
    // the 9 MiB layer spans more than two parts: each holds a chunk with its own sha256
    long chunked = files.stream().filter(p -> {
      try {
        return !PartFile.open(p).manifest().chunks().isEmpty();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).count();
    assertThat(chunked).isGreaterThanOrEqualTo(3);
    CommandResult wrongKey = CommandResult.run("verify", third.toString(), "--key", otherKey().toString());
    assertThat(wrongKey.exitCode()).isEqualTo(3);
    assertThat(wrongKey.err()).contains("signature does not verify");
    // the sums file lists every part, as sha256sum -c reads it
    List<String> sums = Files.readAllLines(parts.resolve("site.tar.sha256"));
    assertThat(sums).hasSize(files.size());
    assertThat(sums.get(1)).isEqualTo(PartWriter.sha256(files.get(1)).hex() + "  " + files.get(1).getFileName());
  }

  @Test
  void theSetVerifiesFromTheDirectoryOrTheFirstPart() {
    CommandResult dir = run("verify", parts.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(dir.out()).contains("Parts of bundle 'site' (" + files.size() + " parts)").contains("Verified.")
        .contains("bundle signature");
    CommandResult first = run("verify", files.get(0).toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(first.out()).contains("Verified.");
  }

  @Test
  void aFlippedByteInPartTwoNamesPartTwoOnly() throws Exception {
    Path copy = copySet("flip");
    Path two = partFiles(copy).get(1);
    try (RandomAccessFile f = new RandomAccessFile(two.toFile(), "rw")) {
      long at = Files.size(two) / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
    CommandResult r = CommandResult.run("verify", copy.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("corrupted part 2 (").doesNotContain("missing").doesNotContain("another bundle");
    assertThat(r.err().replaceAll("\\(.*\\)", "")).doesNotContainPattern("part [013-9]");
  }

  @Test
  void aRemovedPartIsNamed() throws Exception {
    Path copy = copySet("removed");
    Files.delete(partFiles(copy).get(2));
    CommandResult r = CommandResult.run("verify", copy.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("missing part 3").doesNotContain("corrupted");
    CommandResult viaFirst = CommandResult.run("verify", partFiles(copy).get(0).toString(), "--key",
        tmp.resolve("k.pub").toString());
    assertThat(viaFirst.err()).contains("missing part 3");
    // import names the absent part and pushes nothing
    Path target = tmp.resolve("removed-import");
    CommandResult imp = CommandResult.run("import", copy.toString(), "--to", "oci:" + target, "--key",
        tmp.resolve("k.pub").toString(), "--catalog", tmp.resolve("removed-history.db").toString());
    assertThat(imp.exitCode()).isEqualTo(3);
    assertThat(imp.err()).contains("part 3 is missing").contains("nothing was imported");
    assertThat(target.resolve("index.json")).doesNotExist();
  }

  @Test
  void aPartOfAnotherBundleIsNamed() throws Exception {
    Path other = Files.createDirectories(tmp.resolve("other"));
    source(other, "src", 2);
    child("bundle", other.resolve("bundle.yaml").toString(), "-o", other.resolve("out/site.tar").toString(),
        "--volume-size", "4MiB", "--key", tmp.resolve("k.key").toString());
    Path copy = copySet("foreign");
    Path five = partFiles(copy).get(4);
    Files.copy(partFiles(other.resolve("out")).get(4), five, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CommandResult r = CommandResult.run("verify", copy.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("missing part 5").contains("from another bundle: " + five.getFileName())
        .doesNotContain("corrupted");
  }

  private static Path copySet(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (Path p : files) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }

  private static Path otherKey() throws Exception {
    Path k = tmp.resolve("other-key");
    if (!Files.exists(k.resolveSibling("other-key.pub"))) {
      child("key", "generate", "--output-key-prefix", k.toString());
    }
    return k.resolveSibling("other-key.pub");
  }
}
