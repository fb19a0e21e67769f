package dev.airlock.sitesign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.IntegrityVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryTargets;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signing step of an import into an {@code oci:} layout (a real layout store, the real importer): every item is
 * signed after the proof and verifies back through {@code verify-image oci:DIR:REF}; a flipped byte in a signature
 * blob fails it; an import whose verification fails signs nothing and writes nothing.
 */
class ImportSigningLayoutTest {
  @TempDir Path tmp;
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);

  BundleImporter.Options options(Path to) {
    return new BundleImporter.Options("oci:" + to, new ReferenceMapper(null, false, false),
        new BundleVerifier.Request(List.of(), null, true), false, 2, null, null, null);
  }

  @Test
  void everyImportedItemIsSignedAndVerifiesInTheLayout() throws Exception {
    Path bundle = tmp.resolve("bundle");
    SampleContent sample = SampleContent.write(bundle);
    SigningKey key = SigningKey.generate();
    ImportSigning signing = new ImportSigning(key, true, "airlock test", CLOCK);
    Path out = tmp.resolve("out");
    new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE).afterProof(signing).run(bundle, options(out));
    List<Digest> signed = signing.signed().stream().map(SiteSigner.Signed::image).toList();
    assertThat(signed).contains(sample.multiIndex, sample.app, sample.chart, sample.artifact)
        .containsAll(sample.multiChildren).doesNotHaveDuplicates();
    assertThat(signing.lines()).allMatch(l -> l.startsWith("oci:" + out + "/") && l.contains("signed with key"));
    Path pub = tmp.resolve("site.pub");
    Files.writeString(pub, key.publicKeyPem());
    CommandResult ok = CommandResult.run("verify-image", "oci:" + out + ":library/demo:1.0", "--key", pub.toString(), "--legacy");
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("admitted 2026-12-02T10:00:00Z into oci:" + out).contains("2 signature(s)");

    // flip one byte of app's Sigstore bundle blob on disk: its digest no longer matches, nothing else verifies
    LayoutStore l = LayoutStore.open(out);
    Descriptor ref = l.referrers("acme/tools/app", sample.app, MediaTypes.SIGSTORE_BUNDLE_V03).get(0);
    Descriptor layer = l.getManifest("acme/tools/app", ref.digest().toString()).layers().get(0);
    Path blob = l.blobPath(layer.digest());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 1;
    blob.toFile().setWritable(true);
    Files.write(blob, bytes);
    CommandResult bad = CommandResult.run("verify-image", "oci:" + out + ":acme/tools/app:2.0", "--key", pub.toString());
    assertThat(bad.exitCode()).isEqualTo(3);
    assertThat(bad.err().strip()).doesNotContain("\n").contains("no signature of").contains(ref.digest().shortForm());
  }

  @Test
  void aDryRunSignsNothing() throws Exception {
    Path bundle = tmp.resolve("bundle");
    SampleContent.write(bundle);
    ImportSigning signing = new ImportSigning(SigningKey.generate(), true, "airlock test", CLOCK);
    Path out = tmp.resolve("out");
    BundleImporter.Options o = options(out);
    BundleImporter.Options dry = new BundleImporter.Options(o.to(), o.mapper(), o.verify(), true, 2, null, null, null);
    assertThat(new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE).afterProof(signing)
        .run(bundle, dry).dryRun()).isTrue();
    assertThat(signing.signed()).isEmpty();
  }

  @Test
  void nothingIsSignedWhenTheVerificationFails() throws Exception {
    Path bundle = tmp.resolve("bundle");
    SampleContent.write(bundle);
    ImportSigning signing = new ImportSigning(SigningKey.generate(), false, "airlock test", CLOCK);
    Path out = tmp.resolve("out");
    BundleVerifier refusing = (b, r) -> {
      throw new VerificationException("the bundle signature does not verify");
    };
    assertThatThrownBy(() -> new BundleImporter(refusing, RegistryTargets.UNAVAILABLE).afterProof(signing)
        .run(bundle, options(out))).isInstanceOf(VerificationException.class);
    assertThat(signing.signed()).isEmpty();
    assertThat(out).doesNotExist();
  }
}
