package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.cli.ExitCodes;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: {@code BUNDLE.sha256} beside a bundle is checked on every path, with exit 3 and one line naming
 * it: an import into a real docker-registry (layers hashed while uploaded: the file is hashed meanwhile and
 * nothing is committed when it disagrees; a bundle of small blobs only: before anything is pushed), and a set
 * of parts (one line per part file) in verify, import into {@code oci:} and import into the registry. Without
 * the file, every path goes on as before. Before, an import into a registry never read it, and a set of
 * parts' was read by nothing.
 */
class ChecksumFileEveryPathTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static Path big;
  static Path small;
  static Path parts;
  static RawManifest app;

  @BeforeAll
  static void bundles() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    app = TestImages.image(l, Platform.parse("linux/amd64"), random(1, 3 << 20), random(2, 100_000));
    TestImages.tag(l, app, "app");
    RawManifest tiny = TestImages.image(l, Platform.parse("linux/amd64"), random(3, 20_000));
    TestImages.tag(l, tiny, "tiny");
    big = bundle("big", "app", "");
    small = bundle("small", "tiny", "");
    Path dir = Files.createDirectories(tmp.resolve("parts"));
    parts = dir;
    bundle("site", "app", "parts/");
    assertThat(partFiles()).hasSizeGreaterThanOrEqualTo(3);
  }

  private static Path bundle(String name, String tag, String under) throws Exception {
    Path spec = tmp.resolve(name + ".yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name + "}\n"
        + "spec:\n  images:\n    - layout: ./src:" + tag + "\n      name: registry.example/team/" + tag + ":1\n");
    Path out = tmp.resolve(under + name + ".tar");
    List<String> args = new ArrayList<>(List.of("bundle", spec.toString(), "-o", out.toString()));
    if (!under.isEmpty()) {
      args.addAll(List.of("--volume-size", "1MiB"));
    }
    CommandResult b = CommandResult.run(args.toArray(String[]::new));
    assertThat(b.exitCode()).as(b.err()).isZero();
    return out;
  }

  @Test
  void aRegistryImportHashingLayersWhileUploadingChecksTheFileAndCommitsNothingWhenItDisagrees() throws Exception {
    Path sums = sidecar(big);
    String good = Files.readString(sums);
    try {
      Files.writeString(sums, otherDigest(good));
      CommandResult bad = importInto(big, "bad");
      assertThat(bad.exitCode()).as(bad.out() + bad.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(bad)).contains("nothing was imported", sums + " disagrees with the bundle: it says sha256:",
          "big.tar hashes to sha256:");
      assertThat(bad.out()).contains("are hashed as they are read"); // the path that hashes layers while uploading
      assertThat(nothingAt("bad/team/app")).isTrue();
      try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
        for (dev.airlock.oci.Descriptor layer : app.layers()) {
          assertThat(reg.blobSize("bad/team/app", layer.digest())).as("layer committed").isEmpty();
        }
      }

      Files.writeString(sums, good.replace("big.tar", "other.tar") + otherDigest(good).replace("big.tar", "third.tar"));
      CommandResult noLine = importInto(big, "noline");
      assertThat(noLine.exitCode()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(noLine)).contains(sums + " has no sha256 line for big.tar");
    } finally {
      Files.writeString(sums, good);
    }
    CommandResult ok = importInto(big, "good");
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(nothingAt("good/team/app")).isFalse();
    Files.delete(sums); // absent: as before, the bundle's content decides
    try {
      CommandResult without = importInto(big, "without");
      assertThat(without.exitCode()).as(without.out() + without.err()).isZero();
    } finally {
      Files.writeString(sums, good);
    }
  }

  @Test
  void aRegistryImportOfSmallBlobsOnlyChecksTheFileBeforePushing() throws Exception {
    Path sums = sidecar(small);
    String good = Files.readString(sums);
    try {
      Files.writeString(sums, otherDigest(good));
      CommandResult bad = importInto(small, "smallbad");
      assertThat(bad.exitCode()).as(bad.out() + bad.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(bad)).contains(sums + " disagrees with the bundle");
      assertThat(nothingAt("smallbad/team/tiny")).isTrue();
    } finally {
      Files.writeString(sums, good);
    }
    assertThat(importInto(small, "smallgood").exitCode()).isZero();
  }

  @Test
  void aSetOfPartsHasItsPerPartLinesCheckedByVerifyAndEveryImport() throws Exception {
    Path sums = parts.resolve("site.tar.sha256");
    String good = Files.readString(sums);
    List<Path> files = partFiles();
    String second = files.get(1).getFileName().toString();
    List<String> lines = new ArrayList<>(good.lines().toList());
    assertThat(lines).hasSize(files.size());
    int at = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).endsWith("  " + second)) {
        at = i;
      }
    }
    assertThat(at).isNotNegative();
    lines.set(at, otherDigest(lines.get(at)).strip());
    try {
      Files.writeString(sums, String.join("\n", lines) + "\n");
      String expected = sums + " disagrees with part " + second + ": it says sha256:";
      CommandResult v = CommandResult.run("verify", parts.toString(), "--allow-unsigned");
      assertThat(v.exitCode()).as(v.out() + v.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(v)).contains(expected);
      CommandResult first = CommandResult.run("verify", files.get(0).toString(), "--allow-unsigned");
      assertThat(first.exitCode()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(first)).contains(expected);

      Path layout = tmp.resolve("layout");
      CommandResult toLayout = CommandResult.run("import", parts.toString(), "--to", "oci:" + layout,
          "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString());
      assertThat(toLayout.exitCode()).as(toLayout.out() + toLayout.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(toLayout)).contains(expected);
      assertThat(layout).doesNotExist();

      CommandResult toRegistry = importInto(parts, "partsbad");
      assertThat(toRegistry.exitCode()).as(toRegistry.out() + toRegistry.err())
          .isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(toRegistry)).contains(expected);
      assertThat(nothingAt("partsbad/team/app")).isTrue();

      lines.remove(at); // a part the file does not name
      Files.writeString(sums, String.join("\n", lines) + "\n");
      CommandResult missing = CommandResult.run("verify", parts.toString(), "--allow-unsigned");
      assertThat(missing.exitCode()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(oneLine(missing)).contains(sums + " has no sha256 line for " + second);
    } finally {
      Files.writeString(sums, good);
    }
    assertThat(CommandResult.run("verify", parts.toString(), "--allow-unsigned").exitCode()).isZero();
    assertThat(importInto(parts, "partsgood").exitCode()).isZero();
    Files.delete(sums);
    try {
      assertThat(CommandResult.run("verify", parts.toString(), "--allow-unsigned").exitCode()).isZero();
      assertThat(importInto(parts, "partswithout").exitCode()).isZero();
    } finally {
      Files.writeString(sums, good);
    }
  }

  private static CommandResult importInto(Path bundle, String prefix) {
    return CommandResult.run("import", bundle.toString(), "--to", registry.hostPort() + "/" + prefix,
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString());
  }

  /** The one {@code airlock: } line of a failed run's error output. */
  private static String oneLine(CommandResult r) {
    List<String> lines = r.err().lines().filter(l -> l.startsWith("airlock: ")).toList();
    assertThat(lines).as(r.err()).hasSize(1);
    return lines.get(0);
  }

  private static boolean nothingAt(String repository) throws IOException {
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      return reg.resolve(repository, "1").isEmpty();
    }
  }

  private static Path sidecar(Path bundle) {
    Path p = bundle.resolveSibling(bundle.getFileName() + ".sha256");
    assertThat(p).exists();
    return p;
  }

  /** The line(s) with the first hex digit of the digest changed. */
  private static String otherDigest(String line) {
    char c = line.charAt(0);
    return (c == '0' ? '1' : '0') + line.substring(1);
  }

  private static List<Path> partFiles() throws IOException {
    try (Stream<Path> s = Files.list(parts)) {
      return s.filter(p -> p.getFileName().toString().matches("site\\.part-\\d+-of-\\d+\\.tar")).sorted().toList();
    }
  }

  private static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return TestImages.layer("f" + seed, java.util.Base64.getEncoder().encodeToString(b));
  }
}
