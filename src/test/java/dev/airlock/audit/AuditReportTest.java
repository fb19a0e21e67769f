package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit BUNDLE --markdown/--html}: golden Markdown of a deterministic bundle (signed with a fixed key, so
 * the same bytes every run) and of the v1 fixture; verdicts from a verification run for the report, from a
 * saved {@code verify -o json}, and a failed one; a bundle whose catalog is only inside the tar.
 */
class AuditReportTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");

  @TempDir static Path tmp;
  static AuditFixtures.Built built;
  static Path bundlePub;

  @BeforeAll
  static void bundle() throws Exception {
    SigningKey key = SigningKey.load(SharedTestData.sigstore("keys/rs_ecdsa_encrypted_private.key"), "123".toCharArray());
    bundlePub = tmp.resolve("bundle.pub");
    Files.writeString(bundlePub, key.publicKeyPem());
    built = AuditFixtures.bundle(tmp.resolve("b"), "audit-old", 0, key, null);
  }

  @Test
  void markdownReportOfABundleMatchesTheGoldenFile() throws Exception {
    Path md = tmp.resolve("report.md");
    CommandResult r = CommandResult.run("audit", built.bundle().toString(), "--markdown", md.toString(), "--key",
        bundlePub.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("report: " + md + " (Markdown)", "verdict: Verified");
    String text = Files.readString(md);
    Golden.assertMatches("audit-bundle.md", normalise(text));
    // untrusted content is escaped: the markup in a package name shows as text
    assertThat(text).doesNotContain("<script>").doesNotContain("<img").contains("&lt;script&gt;document.body");
  }

  @Test
  void markdownReportOfAVersion1BundleMatchesTheGoldenFile() throws Exception {
    Path md = tmp.resolve("v1.md");
    CommandResult r = CommandResult.run("audit", V1.resolve("v1-full.tar").toString(), "--markdown", md.toString(),
        "--key", V1.resolve("fixture.pub").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String text = Files.readString(md);
    assertThat(text).contains("catalog version 1", "does not record signer identities");
    Golden.assertMatches("audit-v1.md", normalise(text));
  }

  @Test
  void aFailedVerificationIsTheVerdictAndExitsThree() throws Exception {
    Path other = tmp.resolve("other.pub");
    Files.writeString(other, SigningKey.generate().publicKeyPem());
    Path md = tmp.resolve("failed.md");
    CommandResult r = CommandResult.run("audit", built.bundle().toString(), "--markdown", md.toString(), "--key", other.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("verification failed: bundle signature");
    assertThat(Files.readString(md)).contains("> **NOT verified**", "failed: bundle signature", "| bundle signature | FAIL |");
  }

  @Test
  void aSavedVerificationGivesTheVerdict() throws Exception {
    CommandResult v = CommandResult.run("verify", built.bundle().toString(), "--key", bundlePub.toString(), "-o", "json");
    assertThat(v.exitCode()).as(v.err()).isZero();
    Path saved = tmp.resolve("verify.json");
    Files.writeString(saved, v.out());
    Path md = tmp.resolve("saved.md");
    CommandResult r = CommandResult.run("audit", built.bundle().toString(), "--markdown", md.toString(), "--verification",
        saved.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(Files.readString(md)).contains("> **Verified**", "saved by airlock verify -o json in verify.json");
    // a verification of another bundle is refused
    Path elsewhere = tmp.resolve("elsewhere.json");
    Files.writeString(elsewhere, v.out().replace("audit-old.tar", "other.tar"));
    CommandResult wrong = CommandResult.run("audit", built.bundle().toString(), "--markdown", md.toString(),
        "--verification", elsewhere.toString());
    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.err()).contains("is about").contains("other.tar");
    // no verification asked for: the report says so
    CommandResult none = CommandResult.run("audit", built.bundle().toString(), "--markdown", md.toString());
    assertThat(none.exitCode()).isZero();
    assertThat(Files.readString(md)).contains("> **Not verified by this report**",
        "claimed by the signature; not checked");
  }

  @Test
  void aBundleWhoseCatalogIsOnlyInsideTheTarReportsTheSame() throws Exception {
    Path alone = Files.createDirectories(tmp.resolve("alone")).resolve("audit-old.tar");
    Files.copy(built.bundle(), alone);
    Path md = tmp.resolve("alone.md");
    CommandResult r = CommandResult.run("audit", alone.toString(), "--markdown", md.toString(), "--key", bundlePub.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String beside = Files.readString(Golden.DIR.resolve("audit-bundle.md"));
    assertThat(normalise(Files.readString(md))).isEqualTo(beside.replace("audit-old.tar.catalog.db beside the bundle",
        "the catalog inside the bundle"));
  }

  /**
   * The parts that differ between runs: the temporary directory, the shared data path, the report time, the
   * version, and the bundle id (the root index covers the catalog, which records the source directories).
   */
  static String normalise(String report) throws java.io.IOException {
    String shared = SharedTestData.dir().toString();
    return report.replace(tmp.toString(), "TMP").replace(shared, "SHARED")
        .replace(BundleIdentity.read(built.bundle()).rootDigest().toString(), "sha256:BUNDLE-ID")
        .replaceAll("Written by airlock \\S+ at \\S+ from", "Written by airlock VERSION at TIME from");
  }
}
