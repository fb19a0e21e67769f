package dev.airlock.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.receipt.Receipt;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle format v3 fixture (a delta) and the receipt format v1 fixture (src/test/resources/fixtures/bundle-v3),
 * never regenerated: the receipt reads and verifies, the delta verifies, and imports onto a layout holding its base
 * (the v1 filtered fixture imported), refusing one that lacks it.
 */
class DeltaFormatFixtureTest {
  static final Path V3 = Path.of("src/test/resources/fixtures/bundle-v3");
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  static final String SITE = "oci:/tmp/airlock-fixture-v3/site";
  static final Digest MULTIARCH = BundleFormatFixturesTest.MULTIARCH;
  static final Digest ARM64 = BundleFormatFixturesTest.ARM64;

  @TempDir Path tmp;

  @Test
  void fixturesAreTheBytesThatWereCommitted() throws Exception {
    for (String line : Files.readAllLines(V3.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(sha256(V3.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
  }

  @Test
  void theReceiptReadsAndVerifiesWithItsKey() throws Exception {
    try (Receipt r = Receipt.read(V3.resolve("week1.receipt.json"))) {
      assertThat(r.header().version()).isEqualTo(1);
      assertThat(r.header().target()).isEqualTo(SITE);
      assertThat(r.header().blobs()).isEqualTo(7);
      assertThat(r.header().repositories()).isEqualTo(2);
    }
    CommandResult a = CommandResult.run("audit", V3.resolve("week1.receipt.json").toString(), "--key",
        V3.resolve("fixture-v3.pub").toString());
    assertThat(a.exitCode()).as(a.err()).isZero();
    assertThat(a.out()).contains("signed by key 022fa73be035: verified").contains("repository samples/multiarch");
  }

  static final Path RECEIPT_V2 = Path.of("src/test/resources/fixtures/receipt-v2");

  @Test
  void theReceiptFormat2FixtureReadsWithTheRepositoryOfEachBlob() throws Exception {
    for (String line : Files.readAllLines(RECEIPT_V2.resolve("SHA256SUMS"))) {
      String[] f = line.split("\\s+");
      assertThat(sha256(RECEIPT_V2.resolve(f[1]))).as(f[1]).isEqualTo(f[0]);
    }
    try (Receipt r = Receipt.read(RECEIPT_V2.resolve("site.receipt.json"))) {
      assertThat(r.header().version()).isEqualTo(2);
      assertThat(r.header().target()).isEqualTo("oci:/tmp/airlock-fixture-receipt-v2/site");
      assertThat(r.header().blobs()).isEqualTo(7);
      assertThat(r.header().blobBytes()).isEqualTo(1891);
      assertThat(r.inventory().blobRepository(Digest.parse(
          "sha256:23b7a80095e8d07f2a98aa3d25cf7ee74fe67a2658be15494cd5aa402491b37c"))).hasValue("samples/multiarch");
      assertThat(r.inventory().blobRepository(Digest.parse(
          "sha256:38bdfd98a03afbadf96791b412a83887885f72c24afc6141df3d4cdfc29cadb8"))).hasValue("samples/tools");
    }
    // a format 1 receipt names no repository: read all the same
    try (Receipt r = Receipt.read(V3.resolve("week1.receipt.json"))) {
      r.inventory().forEachBlob(e -> assertThat(e.repository()).isNull());
    }
  }

  @Test
  void theDeltaVerifiesAndListsItsExpectedBlobs() {
    CommandResult v = CommandResult.run("verify", V3.resolve("v3-delta.tar").toString(), "--key",
        V3.resolve("fixture-v3.pub").toString());
    assertThat(v.exitCode()).as(v.out() + v.err()).isZero();
    assertThat(v.out()).contains("5 blobs left out as expected at the target").contains("signed by key 022fa73be035")
        .contains("computed against receipt sha256:2fedb417b996 of " + SITE);
  }

  @Test
  void theDeltaImportsOntoItsBaseAndNotElsewhere() throws Exception {
    Path site = tmp.resolve("site");
    CommandResult base = CommandResult.run("import", V1.resolve("v1-filtered.tar").toString(), "--to", "oci:" + site,
        "--key", V1.resolve("fixture.pub").toString(), "--catalog", tmp.resolve("history.db").toString());
    assertThat(base.exitCode()).as(base.out() + base.err()).isZero();
    CommandResult bare = CommandResult.run("import", V3.resolve("v3-delta.tar").toString(), "--to",
        "oci:" + tmp.resolve("empty"), "--key", V3.resolve("fixture-v3.pub").toString(), "--catalog",
        tmp.resolve("history.db").toString(), "--receipt-target", SITE);
    assertThat(bare.exitCode()).isEqualTo(3);
    assertThat(bare.err()).contains("needs 5 blobs").contains("nothing was pushed");
    CommandResult d = CommandResult.run("import", V3.resolve("v3-delta.tar").toString(), "--to", "oci:" + site,
        "--key", V3.resolve("fixture-v3.pub").toString(), "--catalog", tmp.resolve("history.db").toString(),
        "--receipt-target", SITE);
    assertThat(d.exitCode()).as(d.out() + d.err()).isZero();
    LayoutStore t = LayoutStore.open(site);
    assertThat(t.resolve("samples/multiarch", "1.0").orElseThrow().digest()).isEqualTo(MULTIARCH);
    assertThat(t.hasBlob("samples/multiarch", ARM64)).as("the platform the delta added").isTrue();
    t.verifyAllBlobs();
  }

  private static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), md));
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
