package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportToLayoutTest {
  @TempDir Path tmp;
  SampleContent sample;
  Path bundle;
  Path history;

  @BeforeEach
  void setUp() throws IOException {
    bundle = tmp.resolve("bundle");
    sample = SampleContent.write(bundle);
    history = tmp.resolve("history.db");
  }

  BundleImporter.Options options(String to, ReferenceMapper mapper, boolean dryRun) {
    return new BundleImporter.Options(to, mapper, new BundleVerifier.Request(List.of(), null, true), dryRun, 4, null, null,
        history);
  }

  ImportResult importInto(Path dir) throws IOException {
    return new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE)
        .run(bundle, options("oci:" + dir, new ReferenceMapper(null, false, false), false));
  }

  @Test
  void importsEveryImageChartArtifactAndReferrerWithDigestsPreserved() throws IOException {
    Path out = tmp.resolve("out");
    ImportResult r = importInto(out);
    LayoutStore t = LayoutStore.open(out);
    assertThat(t.resolve("library/demo", "1.0").orElseThrow().digest()).isEqualTo(sample.multiIndex);
    assertThat(t.resolve("acme/tools/app", "2.0").orElseThrow().digest()).isEqualTo(sample.app);
    assertThat(t.resolve("acme/charts/mychart", "0.1.0").orElseThrow().digest()).isEqualTo(sample.chart);
    assertThat(t.resolve("acme/files/notes", "v1").orElseThrow().digest()).isEqualTo(sample.artifact);
    assertThat(t.resolve("library/demo", sample.multiIndex.tagForm() + ".sig").orElseThrow().digest()).isEqualTo(sample.cosignSig);
    assertThat(t.referrers("library/demo", sample.multiIndex, null)).extracting(d -> d.digest()).contains(sample.indexSignature);
    assertThat(t.referrers("acme/tools/app", sample.app, MediaTypes.SPDX_JSON)).extracting(d -> d.digest()).containsExactly(sample.appSbom);
    for (Digest child : sample.multiChildren) {
      assertThat(t.hasBlob("", child)).isTrue();
    }
    t.verifyAllBlobs();
    // the bundle root is not imported
    assertThat(t.tags("")).noneMatch(n -> n.contains("dev.airlock"));
    assertThat(r.blobsPushed()).isGreaterThan(5);
    assertThat(r.proof()).anyMatch(l -> l.contains("signature") && l.contains(sample.indexSignature.shortForm()));
    assertThat(r.proof()).anyMatch(l -> l.contains(".sig"));
    assertThat(r.proof()).anyMatch(l -> l.contains("sbom"));
  }

  @Test
  void secondImportPushesNothing() throws IOException {
    Path out = tmp.resolve("out");
    ImportResult first = importInto(out);
    byte[] indexAfterFirst = Files.readAllBytes(out.resolve("index.json"));
    ImportResult second = importInto(out);
    assertThat(first.blobsPushed()).isPositive();
    assertThat(second.blobsPushed()).isZero();
    assertThat(second.bytesPushed()).isZero();
    assertThat(second.manifestsPushed()).isZero();
    assertThat(second.blobsSkipped()).isEqualTo(second.plan().blobs());
    assertThat(second.plan().existingBlobs()).isEqualTo(second.plan().blobs());
    assertThat(Files.readAllBytes(out.resolve("index.json"))).isEqualTo(indexAfterFirst);
    List<ImportRecord> recs = ImportHistory.list(history);
    assertThat(recs).hasSize(2);
    assertThat(recs.get(1).blobsPushed()).isZero();
    assertThat(recs.get(0).status()).isEqualTo("ok");
    assertThat(recs.get(0).bundleName()).isEqualTo("sample");
    assertThat(recs.get(0).bundleDigest()).startsWith("sha256:");
    assertThat(recs.get(0).mapping()).containsEntry("docker.io/library/demo", "library/demo");
  }

  @Test
  void dryRunSaysWhatWouldBePushedAndPushesNothing() throws IOException {
    Path out = tmp.resolve("out");
    importInto(out);
    Path fresh = tmp.resolve("fresh");
    ImportResult dry = new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE)
        .run(bundle, options("oci:" + fresh, new ReferenceMapper("mirror", true, false), true));
    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.plan().existingBlobs()).isZero();
    assertThat(dry.plan().blobs()).isPositive();
    assertThat(LayoutStore.open(fresh).index()).isEmpty();
    assertThat(dry.plan().mapping()).containsEntry("docker.io/library/demo", "mirror/docker.io/library/demo");
    ImportResult again = new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE)
        .run(bundle, options("oci:" + out, new ReferenceMapper(null, false, false), true));
    assertThat(again.plan().existingBlobs()).isEqualTo(again.plan().blobs());
    assertThat(again.summary()).contains("dry run").contains("would push 0 blobs");
  }

  @Test
  void cliWithoutAllowUnsignedFailsClosedWithExit3() {
    Path out = tmp.resolve("never");
    CommandResult r = CommandResult.run("import", bundle.toString(), "--to", "oci:" + out, "--catalog", history.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("nothing was imported");
    assertThat(out).doesNotExist();
  }

  @Test
  void aTarballGoesThroughTheOfflineVerifierBeforeAnythingIsWritten() throws IOException {
    Path tar = BundleTarball.of(bundle, tmp.resolve("handmade.tar"));
    Path out = tmp.resolve("never");
    CommandResult r = CommandResult.run("import", tar.toString(), "--to", "oci:" + out, "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("failed verification, nothing was imported").contains("metadata manifest");
    assertThat(out).doesNotExist();
  }

  @Test
  void aTruncatedTarballExits3AsVerifySaysAndWritesNothing() throws IOException {
    Path tar = BundleTarball.of(bundle, tmp.resolve("whole.tar"));
    Path cut = tmp.resolve("cut.tar");
    byte[] whole = Files.readAllBytes(tar);
    Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
    Path out = tmp.resolve("never");
    CommandResult r = CommandResult.run("import", cut.toString(), "--to", "oci:" + out, "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err().strip()).startsWith("airlock: bundle " + cut + " failed verification, nothing was imported: ")
        .contains("is truncated").doesNotContain("\n");
    assertThat(out).doesNotExist();
    assertThat(CommandResult.run("verify", cut.toString(), "--allow-unsigned").exitCode()).isEqualTo(3);
    CommandResult missing = CommandResult.run("import", tmp.resolve("nope.tar").toString(), "--to", "oci:" + out);
    assertThat(missing.exitCode()).as("a path that is not there is an input error").isEqualTo(1);
  }

  @Test
  void tamperedBundleExits3AndLeavesTheTargetUnchanged() throws IOException {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("keep"), "x");
    Path layer = bundle.resolve(sample.sharedLayer.blobPath());
    byte[] b = Files.readAllBytes(layer);
    b[b.length / 2] ^= 1;
    Files.write(layer, b);
    CommandResult r = CommandResult.run("import", bundle.toString(), "--to", "oci:" + out, "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains(sample.sharedLayer.toString());
    try (var s = Files.list(out)) {
      assertThat(s.toList()).containsExactly(out.resolve("keep"));
    }
    assertThat(ImportHistory.list(history)).singleElement().satisfies(x -> assertThat(x.status()).isEqualTo("verification-failed"));
  }

  @Test
  void cliPrintsPlanProofSummaryAndHistory() {
    Path out = tmp.resolve("out");
    CommandResult r = CommandResult.run("import", bundle.toString(), "--to", "oci:" + out, "--allow-unsigned",
        "--prefix", "mirror", "--catalog", history.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("docker.io/library/demo:1.0 -> mirror/library/demo:1.0")
        .contains("ok  oci:" + out + "/mirror/library/demo:1.0 -> " + sample.multiIndex)
        .contains("imported 4 items").contains("history: " + history.toAbsolutePath());
  }
}
