package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.BundleArchive;
import dev.airlock.testing.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BUNDLE.catalog.db} beside a bundle is a shortcut, used only when it is the catalog the bundle
 * holds (issue 22): an edited copy (forged image names) is ignored with a warning, and the report reads the
 * catalog inside the bundle, whose digest the bundle signature covers.
 */
class AuditSideCatalogTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  static final String FORGED = "evil.example/forged/app:6.6.6";
  @TempDir Path tmp;

  @Test
  void anEditedCatalogBesideTheBundleIsIgnoredAndTheSignedOneIsReported() throws Exception {
    Path bundle = Files.copy(V1.resolve("v1-full.tar"), tmp.resolve("v1-full.tar"));
    Path beside = tmp.resolve("v1-full.tar.catalog.db");
    BundleArchive.extractCatalog(bundle, beside);

    CommandResult same = CommandResult.run("audit", bundle.toString());
    assertThat(same.exitCode()).as(same.err()).isZero();
    assertThat(same.err()).doesNotContain("warning");
    assertThat(same.out()).contains("example.com/samples/tools:1.0");

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + beside); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("UPDATE sources SET ref = '" + FORGED + "' WHERE ref = 'example.com/samples/tools:1.0'"))
          .isEqualTo(1);
    }
    CommandResult edited = CommandResult.run("audit", bundle.toString());
    assertThat(edited.exitCode()).as(edited.err()).isZero();
    assertThat(edited.out()).doesNotContain(FORGED).contains("example.com/samples/tools:1.0");
    assertThat(edited.err().strip()).startsWith("airlock: warning: v1-full.tar.catalog.db beside the bundle is not the"
        + " catalog the bundle holds").contains("ignored").doesNotContain("\n");

    CommandResult json = CommandResult.run("audit", bundle.toString(), "-o", "json");
    assertThat(json.out()).doesNotContain(FORGED).contains("example.com/samples/tools:1.0");

    Path md = tmp.resolve("report.md");
    CommandResult report = CommandResult.run("audit", bundle.toString(), "--markdown", md.toString());
    assertThat(report.exitCode()).as(report.err()).isZero();
    assertThat(Files.readString(md)).doesNotContain(FORGED).contains("example.com/samples/tools:1.0")
        .contains("the catalog inside the bundle (v1-full.tar.catalog.db beside the bundle is not the catalog the bundle holds");

    try (OpenedCatalog c = OpenedCatalog.open(bundle)) {
      assertThat(c.origin()).startsWith("the catalog inside the bundle");
      assertThat(c.warning()).contains("ignored");
    }
    // diff reads the same catalog
    CommandResult diff = CommandResult.run("diff", V1.resolve("v1-full.tar").toString(), bundle.toString());
    assertThat(diff.out() + diff.err()).doesNotContain(FORGED);
  }
}
