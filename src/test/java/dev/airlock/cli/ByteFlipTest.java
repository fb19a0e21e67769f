package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.Bundler;
import dev.airlock.bundler.KeySignatureHook;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, "every byte of a bundle is either hashed or canonical": a small signed bundle written by the
 * bundler, byte offsets flipped one at a time (in place, then restored), each flip must fail {@code verify}
 * and {@code import}'s verification, both with exit 3, and nothing may reach the import's target.
 *
 * <p>Every offset outside blob data is flipped: tar headers (with PAX headers), padding, the end-of-archive
 * marker, {@code index.json} and {@code oci-layout} (the bytes the canonical form and the index binding
 * answer for). Blob data is hashed as a whole (one flipped byte is a digest mismatch wherever it is), so in
 * CI there the first and last {@value #EDGE} bytes of every blob and every {@value #STRIDE}th byte are
 * flipped; {@code -Dairlock.byteflip.all=true} flips every offset of the bundle, blob data too (issue 22's
 * "each offset once"). The flips run on {@link FlipWorkers}: one child JVM per processor, each with its own
 * copy of the bundle and its own temporary directory on {@code /dev/shm}.
 */
class ByteFlipTest {
  static final int EDGE = 8;
  static final int STRIDE = 509;

  @TempDir Path tmp;

  @Test
  void everyFlippedByteOfASignedBundleIsDetectedWithOneExitCode() throws Exception {
    SigningKey key = SigningKey.generate();
    Path bundle = signedBundle(tmp, key, 0);
    Path pub = tmp.resolve("k.pub");
    Files.writeString(pub, PublicKeys.toPem(key.publicKey()));
    Files.deleteIfExists(bundle.resolveSibling(bundle.getFileName() + ".sha256")); // the tar's own bytes are tested
    List<PublicKey> keys = List.of(PublicKeys.load(pub));
    Path target = tmp.resolve("target");
    BundleImporter importer = new BundleImporter(ImportCommand.verifier(), new RegistryImportTargets(RegistryOptions.defaults()));
    BundleImporter.Options imports = new BundleImporter.Options("oci:" + target, new ReferenceMapper(null, false, false),
        new BundleVerifier.Request(List.of(pub), null, false), true, 1, null, null, null);
    VerifyOptions opts = VerifyOptions.withKeys(keys);

    // the untouched bundle passes both, through the CLI as well
    assertThat(verifyCode(bundle, opts)).isZero();
    assertThat(importCode(importer, bundle, imports)).isZero();
    CommandResult v = CommandResult.run("verify", bundle.toString(), "--key", pub.toString());
    assertThat(v.exitCode()).as(v.err()).isZero();
    deleteTree(target);

    long size = Files.size(bundle);
    assertThat(size).isBetween(100_000L, 600_000L);
    boolean all = Boolean.getBoolean("airlock.byteflip.all");
    List<long[]> data = blobData(bundle); // {start, end} of each blob's data
    List<Long> offsets = new ArrayList<>();
    int structural = 0;
    for (long at = 0; at < size; at++) {
      long[] blob = within(data, at);
      if (blob == null) {
        structural++;
      } else if (!all && at - blob[0] >= EDGE && blob[1] - at > EDGE && at % STRIDE != 0) {
        continue;
      }
      offsets.add(at);
    }
    // the workers: child JVMs, each flipping its own copy in place and importing into its own target
    List<long[]> flips = offsets.stream().map(at -> new long[] {0, at}).toList();
    Path scratch = FlipWorkers.scratch(tmp);
    FlipWorkers.Outcome run;
    try {
      run = FlipWorkers.run(scratch, bundle, List.of(bundle), pub, flips, FlipWorkers.workers(), all ? 180 : 20);
    } finally {
      deleteTree(scratch);
    }
    System.out.printf("ByteFlipTest: %d offsets of a %d byte bundle flipped (%s; %d outside blob data: all of them;"
        + " %d in blob data), each through verify and import, %d detected (%.2f%%), on %d workers in %.1f s%n",
        offsets.size(), size, all ? "every offset" : "CI sample", structural, offsets.size() - structural,
        offsets.size() - run.undetected().size(), 100.0 * (offsets.size() - run.undetected().size()) / offsets.size(),
        run.workers(), run.seconds());
    assertThat(run.undetected().entrySet().stream().limit(40).toList())
        .as(run.undetected().size() + " offsets whose flip was not exit 3 from both (offset=verify*10+import)").isEmpty();
    if (all) {
      assertThat(offsets).hasSize((int) size);
    }
    assertThat(structural).isGreaterThan(20 * 512);
    assertThat(target).doesNotExist();

    // a sample through the command line itself: the same exit code and a one-line message
    for (long at : new long[] {0, 100, 148, 257, 265, 345, 500, 511, data.get(0)[0], size - 1024, size - 1}) {
      flip(bundle, at);
      CommandResult cv = CommandResult.run("verify", bundle.toString(), "--key", pub.toString());
      CommandResult ci = CommandResult.run("import", bundle.toString(), "--to", "oci:" + target, "--key", pub.toString(),
          "--catalog", tmp.resolve("history.db").toString());
      flip(bundle, at);
      assertThat(cv.exitCode()).as("verify, offset " + at + ": " + cv.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(ci.exitCode()).as("import, offset " + at + ": " + ci.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(ci.err().lines().filter(l -> l.startsWith("airlock: "))).as(ci.err()).hasSize(1);
      assertThat(cv.err().lines().filter(l -> l.startsWith("airlock: "))).as(cv.err()).hasSize(1);
      assertThat(target).doesNotExist();
    }
  }

  /** Where each blob's data lies, read with commons-compress (not the verifier's own reader). */
  private static List<long[]> blobData(Path bundle) throws Exception {
    List<long[]> out = new ArrayList<>();
    try (TarFile tar = new TarFile(bundle.toFile())) {
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.isFile() && e.getName().startsWith("blobs/")) {
          out.add(new long[] {e.getDataOffset(), e.getDataOffset() + e.getSize()});
        }
      }
    }
    assertThat(out).hasSizeGreaterThan(10);
    return out;
  }

  private static long[] within(List<long[]> ranges, long at) {
    for (long[] r : ranges) {
      if (at >= r[0] && at < r[1]) {
        return r;
      }
    }
    return null;
  }

  /** What {@code verify} answers (as {@link VerifyCommand}: a failed report is 3, an error by its type). */
  static int verifyCode(Path bundle, VerifyOptions opts) {
    try {
      VerificationReport r = OfflineVerifier.verify(bundle, opts);
      return r.passed() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    } catch (Exception e) {
      return Main.exitCodeFor(e);
    }
  }

  /** What {@code import} answers up to its plan (a dry run: nothing is written on success either). */
  static int importCode(BundleImporter importer, Path bundle, BundleImporter.Options o) {
    try {
      importer.run(bundle, o);
      return ExitCodes.OK;
    } catch (Exception e) {
      return Main.exitCodeFor(e);
    }
  }

  /** A small signed bundle written by the bundler (as parts of {@code volumeSize} bytes, unless 0) under {@code tmp}. */
  static Path signedBundle(Path tmp, SigningKey key, long volumeSize) throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest amd = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.randomLayer(1, 3_000));
    RawManifest arm = TestImages.image(l, Platform.parse("linux/arm64"), TestImages.randomLayer(2, 2_000));
    RawManifest idx = TestImages.index(l, List.of(amd, arm),
        List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64")));
    TestImages.tag(l, idx, "app");
    TestImages.cosignSignature(l, idx.digest());
    TestImages.spdxReferrer(l, idx, "zlib", "1.3");
    Path spec = tmp.resolve("bundle.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: flips}\n"
        + "spec:\n  images:\n    - layout: ./src:app\n      name: registry.example/app:1\n");
    Path out = tmp.resolve("out/flips.tar");
    try (OpenedSourceStores stores = new OpenedSourceStores(RegistryOptions.defaults())) {
      new Bundler(stores, new ChartRepository(), new KeySignatureHook(key), null, "test")
          .bundle(new Bundler.Request(SpecReader.read(spec), tmp, out, null, false, null, 2,
              Instant.parse("2026-12-01T00:00:00Z")).withVolumeSize(volumeSize));
    }
    return out;
  }

  static void flip(Path file, long at) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, at);
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x01)}), at);
    }
  }

  static void deleteTree(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
