package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.bundle.BundleArchive;
import dev.airlock.catalog.AuditReport;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.PublicKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog the bundler writes (schema version 2) and the reader's queries, on real bundler output and on v1. */
class AuditCatalogTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");

  @TempDir static Path tmp;
  static AuditFixtures.Built built;
  static Path catalog;

  @BeforeAll
  static void bundle() throws Exception {
    built = AuditFixtures.bundle(tmp, "audit-old", 0, null, null);
    catalog = tmp.resolve("audit-old.tar.catalog.db");
  }

  @Test
  void catalogIsVersion2AndRecordsWhoEachSignatureClaims() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + catalog)) {
      assertThat(query(c, "PRAGMA user_version")).containsExactly("2");
      assertThat(query(c, "SELECT version FROM schema_info")).containsExactly("2");
      String keyId = PublicKeys.keyId(PublicKeys.load(SharedTestData.sigstore("keyed-simplesigning/cosign.pub")));
      List<String> signers = query(c, "SELECT s.ref || ' | ' || g.format || ' | ' || g.identity || ' | '"
          + " || COALESCE(g.key_id, '-') || ' | ' || COALESCE(g.subject, '-') || ' | ' || COALESCE(g.issuer, '-')"
          + " FROM signers g JOIN referrers r ON r.digest = g.referrer_digest JOIN sources s ON s.digest = r.subject_digest"
          + " ORDER BY 1");
      assertThat(signers).as(String.join("\n", signers) + "\n" + String.join("\n", query(c, "SELECT kind || ' ' || "
          + "COALESCE(artifact_type, '-') || ' ' || via FROM referrers ORDER BY 1")))
          .hasSize(5)
          .anySatisfy(l -> assertThat(l).isEqualTo(AuditFixtures.APP + " | cosign | key | " + keyId + " | - | -"))
          .anySatisfy(l -> assertThat(l).startsWith(AuditFixtures.API + " | cosign | keyless | ")
              .endsWith(" | appu@google.com | https://accounts.google.com"))
          .anySatisfy(l -> assertThat(l).startsWith(AuditFixtures.WEB + " | cosign-attestation | keyless | ")
              .endsWith(" | appu@google.com | https://accounts.google.com"))
          .anySatisfy(l -> assertThat(l).startsWith(AuditFixtures.WEB + " | sigstore-bundle | keyless | ").endsWith(
              " | https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main"
              + " | https://token.actions.githubusercontent.com"))
          .anySatisfy(l -> assertThat(l).startsWith(AuditFixtures.NOTARY + " | notation-jws | certificate | ")
              .endsWith(" | " + AuditFixtures.NOTATION_SUBJECT + " | " + AuditFixtures.NOTATION_SUBJECT));
      // two Fulcio leaves of the shared Sigstore vectors and the Notation e2e certificate, by their sha256
      assertThat(query(c, "SELECT DISTINCT cert_sha256 FROM signers WHERE cert_sha256 IS NOT NULL ORDER BY 1"))
          .hasSize(3).anySatisfy(h -> assertThat(h).startsWith("e38aea13"));
      assertThat(query(c, "SELECT predicate_type FROM predicates ORDER BY 1"))
          .containsExactly("https://cyclonedx.org/bom", "https://slsa.dev/provenance/v1");
      assertThat(query(c, "SELECT format || ' ' || spec_version || ' ' || packages FROM sboms ORDER BY 1"))
          .containsExactly("cyclonedx CycloneDX-1.4 1", "cyclonedx CycloneDX-1.5 3", "spdx SPDX-2.3 3");
    }
  }

  @Test
  void packagesAreFoundWithTheImageAndSbomTheyAreIn() {
    try (CatalogReader r = CatalogReader.open(catalog)) {
      List<String> rows = new ArrayList<>();
      for (CatalogReader.PackageRow p : r.packages("openssl")) {
        rows.add(p.sourceRef() + " " + p.version() + " " + p.format() + " " + p.specVersion() + " " + p.platform());
      }
      assertThat(rows).containsExactly(AuditFixtures.APP + " " + AuditFixtures.openssl(0) + " spdx SPDX-2.3 null",
          AuditFixtures.API + " 3.0.13 cyclonedx CycloneDX-1.5 null");
      // nested CycloneDX components, found by name or by the name in their purl
      assertThat(r.packages("log4j-core")).singleElement().satisfies(p -> {
        assertThat(p.version()).isEqualTo("2.17.1");
        assertThat(p.purl()).isEqualTo("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1");
        assertThat(p.sourceRef()).isEqualTo(AuditFixtures.API);
      });
      // an SBOM carried as an attestation (cosign attest --type cyclonedx)
      assertThat(r.packages("busybox")).singleElement().satisfies(p -> assertThat(p.sourceRef()).isEqualTo(AuditFixtures.WEB));
      assertThat(r.packages(null)).extracting(CatalogReader.PackageRow::name)
          .contains("openssl", "zlib1g", "api-server", "log4j-core", "busybox", AuditFixtures.MARKUP);
    }
  }

  @Test
  void reportShowsSignersPredicatesAndTheFilteredPlatform() {
    try (CatalogReader r = CatalogReader.open(catalog)) {
      AuditReport a = r.report();
      assertThat(a.bundle().catalogVersion()).isEqualTo(2);
      assertThat(a.bundle().signersRecorded()).isTrue();
      AuditReport.Source app = source(a, AuditFixtures.APP);
      assertThat(app.platforms()).containsExactly("linux/amd64", "linux/arm64/v8");
      assertThat(app.absentPlatforms()).containsExactly("linux/s390x");
      assertThat(app.referrers()).filteredOn(x -> x.kind().equals("signature")).singleElement()
          .satisfies(x -> assertThat(x.signers()).singleElement().satisfies(s -> assertThat(s.describe())
              .isEqualTo("key " + built.imageKeyId().substring(0, 12))));
      AuditReport.Source web = source(a, AuditFixtures.WEB);
      assertThat(web.referrers()) // a .att, and a Sigstore bundle whose DSSE statement is SLSA provenance
          .flatExtracting(AuditReport.Referrer::predicateTypes)
          .containsExactlyInAnyOrder("https://cyclonedx.org/bom", "https://slsa.dev/provenance/v1");
      assertThat(source(a, AuditFixtures.NOTARY).referrers()).filteredOn(x -> x.kind().equals("notation")).singleElement()
          .satisfies(x -> assertThat(x.signers().get(0).describe())
              .isEqualTo("certificate " + AuditFixtures.NOTATION_SUBJECT + " (self-signed)"));
      List<CatalogReader.ManifestRow> platforms = r.manifestsOf(app.digest());
      assertThat(platforms).extracting(CatalogReader.ManifestRow::platform).containsExactly("linux/amd64", "linux/arm64/v8");
      assertThat(platforms.get(0).blobs()).hasSize(3); // config and two layers
      assertThat(r.filesOf(AuditFixtures.FILES)).containsOnlyKeys("notes.txt");
    }
  }

  @Test
  void version1CatalogsReadWithSignersUnknown() throws Exception {
    Path v1 = tmp.resolve("v1.db");
    BundleArchive.extractCatalog(V1.resolve("v1-full.tar"), v1);
    try (CatalogReader r = CatalogReader.open(v1)) {
      assertThat(r.version()).isEqualTo(1);
      AuditReport a = r.report();
      assertThat(a.bundle().signersRecorded()).isFalse();
      assertThat(a.sources()).flatExtracting(AuditReport.Source::referrers).allSatisfy(x -> {
        assertThat(x.signers()).isEmpty();
        assertThat(x.predicateTypes()).isEmpty();
      });
      assertThat(r.packages(null)).singleElement().satisfies(p -> {
        assertThat(p.name()).isEqualTo("hello.sh");
        assertThat(p.format()).isNull();
        assertThat(p.sourceRef()).isEqualTo("example.com/samples/tools:1.0");
      });
    }
  }

  @Test
  void aCatalogFromANewerAirlockIsRefusedInOneLine() throws Exception {
    Path newer = tmp.resolve("newer.db");
    Files.copy(catalog, newer);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + newer); Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 3");
    }
    assertThatThrownBy(() -> CatalogReader.open(newer)).hasMessageContaining("schema version 3, from a newer airlock")
        .hasMessageContaining("versions 1 to 2");
  }

  static AuditReport.Source source(AuditReport a, String ref) {
    return a.sources().stream().filter(s -> s.ref().equals(ref)).findFirst().orElseThrow();
  }

  static List<String> query(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
