package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --volume-size 4MiB --compress zstd} (part format version 2): a ~34 MiB bundle, half of it text that
 * compresses about 2.3 times and a 9 MiB random layer (more than two volumes, split into chunks), cut while it
 * is compressed: every compressed part file at most 4 MiB and filled, fewer parts than the uncompressed set,
 * each part a zstd stream of a tar of the manifest then the data, each verifies alone, the set verifies, and a
 * flipped byte in part 2, a removed part 3 and a part of another bundle are named by number.
 */
public class CompressedVolumesTest {
  static final long VOLUME = 4L << 20;
  @TempDir static Path tmp;
  static Path parts;
  static List<Path> files;

  @BeforeAll
  static void bundle() throws Exception {
    source(tmp, "src", 1);
    child("key", "generate", "--output-key-prefix", tmp.resolve("k").toString());
    parts = Files.createDirectories(tmp.resolve("parts"));
    String out = child("bundle", tmp.resolve("bundle.yaml").toString(), "-o",
        parts.resolve("site.tar").toString(), "--volume-size", "4MiB", "--compress", "zstd", "--key",
        tmp.resolve("k.key").toString());
    assertThat(out).contains("parts:   ");
    files = partFiles(parts);
  }

  /** Text of digits and spaces (about 3.5 bits a byte), the same for a seed. */
  public static byte[] text(long seed, int size) {
    Random r = new Random(seed);
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      int v = r.nextInt(12);
      b[i] = (byte) (v < 10 ? '0' + v : v == 10 ? ' ' : '\n');
    }
    return b;
  }

  /** One image: a 9 MiB random layer, 16.5 MiB of text layers, 8.7 MiB of random ones. */
  public static void source(Path dir, String name, long seed) throws IOException {
    LayoutStore l = LayoutStore.openOrCreate(dir.resolve(name));
    List<Descriptor> layers = new ArrayList<>();
    layers.add(l.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.randomBytes(seed * 1000, 9 << 20)));
    int[] textSizes = {6 << 20, 5 << 20, 3 << 20, 2 << 20, 500_000, 1};
    for (int i = 0; i < textSizes.length; i++) {
      layers.add(l.putBytes(MediaTypes.OCI_LAYER, text(seed * 1000 + 100 + i, textSizes[i])));
    }
    int[] randomSizes = {4 << 20, 3 << 20, 1 << 20, 700_000, 300_001};
    for (int i = 0; i < randomSizes.length; i++) {
      layers.add(l.putBytes(MediaTypes.OCI_LAYER_GZIP, TestImages.randomBytes(seed * 1000 + 200 + i, randomSizes[i])));
    }
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(Platform.of("linux", "amd64", null), null, List.of()));
    TestImages.store(l, TestImages.manifest(null, config, layers, null), "app");
    Files.writeString(dir.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: site}\n"
        + "spec:\n  images:\n    - layout: ./" + name + ":app\n      name: registry.example/site/app:1\n");
  }

  public static List<Path> partFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("site\\.part-\\d+-of-\\d+\\.tar\\.zst")).sorted().toList();
    }
  }

  /** Runs airlock in a child JVM of 128 MiB heap with the key password set; returns its output. */
  static String child(String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(dev.airlock.testing.ProcessRunner.airlockJvm("128m", args))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "test-password");
    Process p = pb.start();
    assertThat(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
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
  void everyCompressedPartIsAtMostOneVolumeFilledAndFewerThanUncompressed() throws Exception {
    long bundleSize = PartFile.open(files.get(0)).manifest().bundleSize();
    assertThat(bundleSize).isGreaterThan(33L << 20);
    long uncompressedParts = (bundleSize + VOLUME - 1) / VOLUME;
    assertThat(files).hasSizeBetween(5, (int) uncompressedParts - 2);
    long data = 0;
    for (Path p : files) {
      assertThat(Files.size(p)).as(p.toString()).isLessThanOrEqualTo(VOLUME);
      PartFile pf = PartFile.open(p);
      assertThat(pf.manifest().formatVersion()).isEqualTo(PartFormat.FORMAT_VERSION_FRAMES);
      assertThat(pf.compressed()).isTrue();
      data += pf.dataSize();
    }
    assertThat(data).isEqualTo(bundleSize);
    for (Path p : files.subList(0, files.size() - 1)) { // filled: within two compression steps of the volume
      assertThat(Files.size(p)).as(p.toString()).isGreaterThan(VOLUME - 300 * 1024);
    }
    // some part holds more than a volume of the bundle: the compressed size is what is bounded
    assertThat(files.stream().mapToLong(p -> {
      try {
        return PartFile.open(p).dataSize();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).max().orElse(0)).isGreaterThan(VOLUME);
    // decompressed, a part is a tar of the manifest then the data, as `zstd -d` gives it
    try (InputStream in = new ZstdInputStream(Files.newInputStream(files.get(1)));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      List<String> names = new ArrayList<>();
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        names.add(e.getName());
        if (e.getName().equals(PartFormat.DATA_ENTRY)) {
          assertThat(e.getSize()).isEqualTo(PartFile.open(files.get(1)).dataSize());
        }
      }
      assertThat(names).containsExactly(PartFormat.MANIFEST_ENTRY, PartFormat.DATA_ENTRY);
    }
    // the sums file: each compressed part file
    List<String> sums = Files.readAllLines(parts.resolve("site.tar.sha256"));
    assertThat(sums).hasSize(files.size());
    assertThat(sums.get(1)).isEqualTo(PartWriter.sha256(files.get(1)).hex() + "  " + files.get(1).getFileName());
    // the 9 MiB layer is split into chunks with their own sha256
    long chunked = files.stream().filter(p -> {
      try {
        return !PartFile.open(p).manifest().chunks().isEmpty();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).count();
    assertThat(chunked).isGreaterThanOrEqualTo(3);
  }

  @Test
  void eachPartVerifiesAloneAndTheSetVerifies() {
    for (int i = 0; i < files.size(); i++) {
      CommandResult r = run("verify", files.get(i).toString(), "--this-part", "--key", tmp.resolve("k.pub").toString());
      assertThat(r.out()).contains("this is part " + (i + 1) + " of " + files.size() + " of bundle 'site'")
          .contains("manifest signed by key").contains("Verified (this part alone");
    }
    CommandResult dir = run("verify", parts.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(dir.out()).contains("Parts of bundle 'site' (" + files.size() + " parts)").contains("Verified.")
        .contains("bundle signature");
    CommandResult first = run("verify", files.get(0).toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(first.out()).contains("Verified.");
    CommandResult json = run("verify", parts.toString(), "--key", tmp.resolve("k.pub").toString(), "-o", "json");
    JsonNode list = Json.tree(json.out().getBytes(), "verify -o json").path("parts");
    assertThat(list.size()).isEqualTo(files.size());
    list.forEach(p -> assertThat(p.path("status").asText()).isEqualTo("ok"));
  }

  @Test
  void aFlippedByteInPartTwoNamesPartTwoOnly() throws Exception {
    for (long at : new long[] {100, 5000, -1, -3}) { // in the head, its manifest, the compressed data, the checksum
      Path copy = copySet("flip" + at);
      Path two = partFiles(copy).get(1);
      long pos = at >= 0 ? at : Files.size(two) / (at == -1 ? 2 : 1) + (at == -3 ? -2 : 0);
      try (RandomAccessFile f = new RandomAccessFile(two.toFile(), "rw")) {
        f.seek(pos);
        int b = f.read();
        f.seek(pos);
        f.write(b ^ 0x40);
      }
      CommandResult r = CommandResult.run("verify", copy.toString(), "--key", tmp.resolve("k.pub").toString());
      assertThat(r.exitCode()).as("byte " + pos + ": " + r.out() + r.err()).isEqualTo(3);
      assertThat(r.err()).as("byte " + pos).contains("corrupted part 2 (").doesNotContain("missing")
          .doesNotContain("another bundle");
      CommandResult alone = CommandResult.run("verify", two.toString(), "--key", tmp.resolve("k.pub").toString());
      assertThat(alone.exitCode()).as("byte " + pos + " alone: " + alone.out() + alone.err()).isEqualTo(3);
    }
  }

  @Test
  void aRemovedPartIsNamedAndAPartOfAnotherBundleToo() throws Exception {
    Path copy = copySet("removed");
    Files.delete(partFiles(copy).get(2));
    CommandResult r = CommandResult.run("verify", copy.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("missing part 3").doesNotContain("corrupted");
    Path target = tmp.resolve("removed-import");
    CommandResult imp = CommandResult.run("import", copy.toString(), "--to", "oci:" + target, "--key",
        tmp.resolve("k.pub").toString(), "--catalog", tmp.resolve("removed-history.db").toString());
    assertThat(imp.exitCode()).isEqualTo(3);
    assertThat(imp.err()).contains("missing part 3").contains("nothing was imported");
    assertThat(target.resolve("index.json")).doesNotExist();

    Path other = Files.createDirectories(tmp.resolve("other"));
    source(other, "src", 2);
    child("bundle", other.resolve("bundle.yaml").toString(), "-o", other.resolve("out/site.tar").toString(),
        "--volume-size", "4MiB", "--compress", "zstd", "--key", tmp.resolve("k.key").toString());
    Path foreign = copySet("foreign");
    Path two = partFiles(foreign).get(1);
    Files.copy(partFiles(other.resolve("out")).get(1), two, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CommandResult f = CommandResult.run("verify", foreign.toString(), "--key", tmp.resolve("k.pub").toString());
    assertThat(f.exitCode()).isEqualTo(3);
    assertThat(f.err()).contains("missing part 2").contains("from another bundle: " + two.getFileName())
        .doesNotContain("corrupted");
  }

  @Test
  void theSetImportsIntoALayoutWithTheSourceDigests() throws Exception {
    Path target = tmp.resolve("imported");
    run("import", files.get(3).toString(), "--to", "oci:" + target, "--key", tmp.resolve("k.pub").toString(),
        "--catalog", tmp.resolve("history.db").toString());
    LayoutStore src = LayoutStore.open(tmp.resolve("src"));
    LayoutStore t = LayoutStore.open(target);
    assertThat(t.resolve("site/app", "1").orElseThrow().digest()).isEqualTo(src.resolve("", "app").orElseThrow().digest());
    t.verifyAllBlobs();
  }

  @Test
  void aQuotedGlobNamesTheSet() throws Exception {
    String glob = parts.resolve("site.part-*.tar.zst").toString();
    CommandResult v = run("verify", glob, "--key", tmp.resolve("k.pub").toString());
    assertThat(v.out()).contains("Parts of bundle 'site' (" + files.size() + " parts)").contains("Verified.");
    Path target = tmp.resolve("globbed");
    run("import", glob, "--to", "oci:" + target, "--key", tmp.resolve("k.pub").toString(), "--catalog",
        tmp.resolve("glob-history.db").toString());
    assertThat(LayoutStore.open(target).resolve("site/app", "1").orElseThrow().digest())
        .isEqualTo(LayoutStore.open(tmp.resolve("src")).resolve("", "app").orElseThrow().digest());
    CommandResult audit = run("audit", glob);
    assertThat(audit.out()).contains("registry.example/site/app:1");
    // a glob of uncompressed parts too (the version 1 fixture)
    CommandResult v1 = run("verify", "src/test/resources/fixtures/parts-v1/v1-parts.part-00?-of-003.tar", "--key",
        "src/test/resources/fixtures/parts-v1/fixture.pub");
    assertThat(v1.out()).contains("Parts of bundle 'fixture-v1-full' (3 parts)").contains("Verified.");
    CommandResult none = CommandResult.run("verify", parts.resolve("nothing-*.tar").toString(), "--allow-unsigned");
    assertThat(none.exitCode()).isNotZero();
  }

  private static Path copySet(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (Path p : files) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }
}
