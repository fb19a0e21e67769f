package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.PartSet;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: a part file's own tar framing (its two headers, the padding, the end-of-archive marker) and its
 * manifest entry are held to airlock's canonical form exactly as a bundle tarball's are, so every byte of a
 * part is either covered by its manifest (its data) or fixed. Bytes outside the parts' data entries are
 * flipped once each, in place (in CI every such byte of the middle part, and of the others every header and
 * end-of-archive byte and a sample of the manifest entry; {@code -Dairlock.byteflip.all=true}: every such
 * byte of every part): {@code verify} of the set (each part alone, then the bundle they make up) and
 * {@code import} of the set (a dry run into {@code oci:}) both answer exit 3, nothing is written (on
 * {@link FlipWorkers}: a child JVM per processor, each with its own copy of the set on {@code /dev/shm}). Before, the
 * parts were read by the lenient tar reader: flips in header slack, padding and after the end passed both.
 */
class PartsByteFlipTest {
  @TempDir Path tmp;

  @Test
  void everyFlippedFramingByteOfEveryPartIsDetectedWithOneExitCode() throws Exception {
    SigningKey key = SigningKey.generate();
    Path first = ByteFlipTest.signedBundle(tmp, key, 64 * 1024);
    Path dir = first.getParent();
    Files.deleteIfExists(dir.resolve("flips.tar.sha256")); // the parts' own bytes are tested here
    List<Path> parts;
    try (Stream<Path> s = Files.list(dir)) {
      parts = s.filter(p -> p.getFileName().toString().matches("flips\\.part-\\d+-of-\\d+\\.tar")).sorted().toList();
    }
    assertThat(parts).hasSizeGreaterThanOrEqualTo(3);
    Path pub = tmp.resolve("k.pub");
    Files.writeString(pub, PublicKeys.toPem(key.publicKey()));
    List<PublicKey> keys = List.of(PublicKeys.load(pub));
    VerifyOptions opts = VerifyOptions.withKeys(keys);
    Path target = tmp.resolve("target");
    BundleImporter importer = new BundleImporter(ImportCommand.verifier(), new RegistryImportTargets(RegistryOptions.defaults()));
    BundleImporter.Options imports = new BundleImporter.Options("oci:" + target, new ReferenceMapper(null, false, false),
        new BundleVerifier.Request(List.of(pub), null, false), true, 1, null, null, null);

    assertThat(verifyCode(dir, keys, opts)).isZero();
    assertThat(ByteFlipTest.importCode(importer, dir, imports)).isZero();
    ByteFlipTest.deleteTree(target);

    // CI: every byte outside the data of the middle part (the manifest entry whole: its JSON and its space
    // padding), and of every other part its headers, the end records and every 61st byte of the manifest entry;
    // -Dairlock.byteflip.all=true: every byte outside the data of every part
    boolean all = Boolean.getBoolean("airlock.byteflip.all");
    List<long[]> offsets = new ArrayList<>(); // {part index, offset}
    long framing = 0;
    for (int p = 0; p < parts.size(); p++) {
      long[] data = dataEntry(parts.get(p));
      long size = Files.size(parts.get(p));
      for (long at = 0; at < size; at++) {
        if (at >= data[0] && at < data[1]) {
          continue; // the data: bytes of the bundle tarball, which the bundle's own byte-flip test covers
        }
        framing++;
        boolean manifestEntry = at >= 512 && at < data[0] - 512;
        if (all || p == 1 || !manifestEntry || at % 61 == 0) {
          offsets.add(new long[] {p, at});
        }
      }
    }
    // the workers: child JVMs, each flipping its own copy of the set in place and importing into its own target
    Path scratch = FlipWorkers.scratch(tmp);
    FlipWorkers.Outcome run;
    try {
      run = FlipWorkers.run(scratch, dir, parts, pub, offsets, FlipWorkers.workers(), all ? 120 : 30);
    } finally {
      ByteFlipTest.deleteTree(scratch);
    }
    System.out.printf("PartsByteFlipTest: %d of the %d bytes outside the data of %d parts flipped (%s), each through"
        + " verify and import, %d detected (%.2f%%), on %d workers in %.1f s%n", offsets.size(), framing, parts.size(),
        all ? "all" : "CI sample", offsets.size() - run.undetected().size(),
        100.0 * (offsets.size() - run.undetected().size()) / offsets.size(), run.workers(), run.seconds());
    assertThat(run.undetected().entrySet().stream().limit(40).toList())
        .as(run.undetected().size() + " flips not exit 3 from both (part@offset=verify*10+import)").isEmpty();
    assertThat(offsets.size()).isGreaterThan(parts.size() * 2048);
    if (all) {
      assertThat((long) offsets.size()).isEqualTo(framing);
    }

    // through the command line: the header slack of part 2's data entry, after its end, one line each
    Path second = parts.get(1);
    long[] data = dataEntry(second);
    for (long at : new long[] {data[0] - 512 + 300, Files.size(second) - 1, 600}) {
      ByteFlipTest.flip(second, at);
      CommandResult cv = CommandResult.run("verify", dir.toString(), "--key", pub.toString());
      CommandResult ci = CommandResult.run("import", dir.toString(), "--to", "oci:" + target, "--key", pub.toString(),
          "--catalog", tmp.resolve("history.db").toString());
      ByteFlipTest.flip(second, at);
      assertThat(cv.exitCode()).as("verify, offset " + at + ": " + cv.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(cv.err()).as(cv.err()).contains("corrupted part 2");
      assertThat(ci.exitCode()).as("import, offset " + at + ": " + ci.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(ci.err().lines().filter(l -> l.startsWith("airlock: "))).as(ci.err()).hasSize(1);
      assertThat(ci.err()).contains(second.getFileName().toString());
      assertThat(target).doesNotExist();
    }
  }

  /** What {@code verify DIR} answers: every part alone ({@link PartSet#check}), then the bundle they make up. */
  private static int verifyCode(Path dir, List<PublicKey> keys, VerifyOptions opts) {
    try {
      if (!PartSet.check(dir, keys, false).ok()) {
        return ExitCodes.VERIFICATION_FAILED;
      }
    } catch (Exception e) {
      return Main.exitCodeFor(e);
    }
    return ByteFlipTest.verifyCode(dir, opts);
  }

  /** {start, end} of the part's data entry content, read with commons-compress (not airlock's reader). */
  private static long[] dataEntry(Path part) throws Exception {
    try (TarFile tar = new TarFile(part.toFile())) {
      List<long[]> out = new ArrayList<>();
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.getName().equals("airlock-part.data")) {
          out.add(new long[] {e.getDataOffset(), e.getDataOffset() + e.getSize()});
        }
      }
      assertThat(out).hasSize(1);
      return out.get(0);
    }
  }
}
