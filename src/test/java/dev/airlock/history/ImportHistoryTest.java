package dev.airlock.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportHistoryTest {
  @TempDir Path dir;

  @Test
  void recordsListsAndFormats() throws Exception {
    Path db = dir.resolve("sub/history.db");
    assertThat(ImportHistory.list(db)).isEmpty();
    ImportHistory h = ImportHistory.open(db);
    long id = h.record(new ImportRecord(0, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "/b.tar", "sha256:ab",
        "demo", "reg:5000", ImportRecord.OK, "signature verified", 3, 1, 2, 300, 200, 4, 0,
        Map.of("docker.io/library/a", "reg:5000/library/a"), null));
    assertThat(id).isPositive();
    List<ImportRecord> all = ImportHistory.list(db);
    assertThat(all).singleElement().satisfies(r -> {
      assertThat(r.bundleName()).isEqualTo("demo");
      assertThat(r.blobsMounted()).isEqualTo(1);
      assertThat(r.mapping()).containsEntry("docker.io/library/a", "reg:5000/library/a");
    });
    assertThat(ImportHistoryFormat.table(all)).contains("demo").contains("reg:5000").contains("3/1/2 (300)");
    assertThat(Json.tree(ImportHistoryFormat.json(all).getBytes(), "json").path(0).path("bundleDigest").asText())
        .isEqualTo("sha256:ab");
  }

  @Test
  void anImportItsBundlesCreationTimeAndPackagesAreWrittenTogether() throws Exception {
    ImportHistory h = ImportHistory.open(dir.resolve("history.db"));
    ImportRecord rec = new ImportRecord(0, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "/b.tar", "sha256:ab",
        "demo", "reg:5000", ImportRecord.OK, "ok", 1, 0, 0, 10, 0, 1, 0, Map.of(), null,
        List.of(new ImportRecord.Image("docker.io/library/alpine:3.20", "reg:5000/library/alpine:3.20", "sha256:aa",
            "sha256:aa", null, null, null, null)));
    long id = h.recordImport(rec, "2026-01-01T00:00:00Z", () -> List.of(new ImportHistory.BundlePackage(
        "docker.io/library/alpine:3.20", "sha256:aa", null, "sha256:5b", "SPDX-2.3", "zlib", "1.3.1-r0",
        "pkg:apk/alpine/zlib@1.3.1-r0")));
    assertThat(h.importedBundles("reg:5000", "demo")).singleElement().satisfies(b -> {
      assertThat(b.importId()).isEqualTo(id);
      assertThat(b.created()).isEqualTo("2026-01-01T00:00:00Z");
    });
    assertThat(h.packages("zlib")).singleElement().satisfies(p -> assertThat(p.targetRef())
        .isEqualTo("reg:5000/library/alpine:3.20"));
    // the same bundle again: a second import row; its packages are not read again, its creation time stays
    long again = h.recordImport(rec, "2027-01-01T00:00:00Z", () -> {
      throw new AssertionError("a bundle's packages are copied once");
    });
    assertThat(again).isGreaterThan(id);
    assertThat(h.importedBundles("reg:5000", "demo")).extracting(ImportHistory.ImportedBundle::created)
        .containsExactly("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    // packages that cannot be read: nothing of that import is written
    ImportRecord other = new ImportRecord(0, "2026-01-02T00:00:00Z", "2026-01-02T00:01:00Z", "/c.tar", "sha256:cd",
        "demo", "reg:5000", ImportRecord.OK, "ok", 1, 0, 0, 10, 0, 1, 0, Map.of(), null, List.of());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.recordImport(other, "2026-01-02T00:00:00Z", () -> {
      throw new java.io.UncheckedIOException(new java.io.IOException("catalog unreadable"));
    })).hasMessageContaining("catalog unreadable");
    assertThat(h.list()).hasSize(2);
  }

  @Test
  void notesOfOpenUploadSessionsAreClaimedOnceAndForgottenOnlyByTheirOwnLocation() throws Exception {
    ImportHistory h = ImportHistory.open(dir.resolve("history.db"));
    var a = new ImportHistory.StagedUploadNote("team/app", "sha256:aa", 10, "http://reg/v2/team/app/blobs/uploads/1");
    h.rememberStagedUpload("reg:5000", a);
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 10, List.of("other/repo"))).as("another repository").isEmpty();
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 11, List.of("team/app"))).as("another size").isEmpty();
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 10, List.of("x", "team/app"))).hasValue(a);
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 10, List.of("team/app"))).as("claimed once").isEmpty();

    var newer = new ImportHistory.StagedUploadNote("team/app", "sha256:aa", 10, "http://reg/v2/team/app/blobs/uploads/2");
    h.rememberStagedUpload("reg:5000", newer);
    h.forgetStagedUploads("reg:5000", List.of(a)); // an older session's note does not remove the newer one
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 10, List.of("team/app"))).hasValue(newer);

    h.rememberStagedUpload("reg:5000", a);
    h.forgetStagedUploadsBefore(java.time.Instant.now().plusSeconds(5));
    assertThat(h.claimStagedUpload("reg:5000", "sha256:aa", 10, List.of("team/app"))).as("expired").isEmpty();
  }

  @Test
  void aVersion2DatabaseGainsTheImagesTableAndKeepsItsRows() throws Exception {
    Path db = dir.resolve("v2.db");
    ImportHistory.open(db).record(new ImportRecord(0, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "/b.tar",
        "sha256:ab", "b", "reg:5000", ImportRecord.OK, "verified", 1, 0, 0, 10, 0, 1, 0, Map.of("a", "reg:5000/a"), null));
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
      s.execute("DROP TABLE import_images"); // as version 2 wrote it
      s.execute("DROP TABLE bundle_packages");
      s.execute("PRAGMA user_version = 2");
    }
    ImportHistory h = ImportHistory.open(db);
    ImportRecord.Image filtered = new ImportRecord.Image("docker.io/library/alpine:3.20", "reg:5000/library/alpine:3.20",
        "sha256:ff", "sha256:00", "filtered", List.of("linux/amd64"), List.of("linux/s390x"), "the registry refused the original");
    h.record(new ImportRecord(0, "2026-01-02T00:00:00Z", "2026-01-02T00:00:01Z", "/c.tar", "sha256:cd", "c", "reg:5000",
        ImportRecord.OK, "verified", 1, 0, 0, 10, 0, 1, 0, Map.of(), null, List.of(filtered)));
    List<ImportRecord> all = h.list();
    assertThat(all).hasSize(2);
    assertThat(all.get(0).images()).isEmpty();
    assertThat(all.get(1).images()).containsExactly(filtered);
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement();
        var rs = s.executeQuery("PRAGMA user_version")) {
      assertThat(rs.getInt(1)).isEqualTo(ImportHistory.SCHEMA_VERSION);
    }
  }

  @Test
  void aVersion3DatabaseGainsTheBundlePackagesTable() throws Exception {
    Path db = dir.resolve("v3.db");
    ImportHistory.open(db).record(new ImportRecord(0, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "/b.tar",
        "sha256:ab", "b", "reg:5000", ImportRecord.OK, "verified", 1, 0, 0, 10, 0, 1, 0, Map.of(), null,
        List.of(new ImportRecord.Image("docker.io/library/alpine:3.20", "reg:5000/library/alpine:3.20", "sha256:aa",
            "sha256:aa", null, null, null, null))));
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
      s.execute("DROP TABLE bundle_packages"); // as version 3 wrote it
      s.execute("PRAGMA user_version = 3");
    }
    ImportHistory h = ImportHistory.open(db);
    assertThat(h.packages("zlib")).isEmpty(); // the import before version 4 recorded no packages
    h.recordPackages("sha256:ab", () -> List.of(new ImportHistory.BundlePackage("docker.io/library/alpine:3.20",
        "sha256:aa", null, "sha256:5b", "SPDX-2.3", "zlib", "1.3.1-r0", "pkg:apk/alpine/zlib@1.3.1-r0")));
    h.recordPackages("sha256:ab", () -> {
      throw new AssertionError("a bundle's packages are copied once");
    });
    assertThat(h.packages("zlib")).singleElement().satisfies(p -> {
      assertThat(p.importId()).isEqualTo(1);
      assertThat(p.targetRef()).isEqualTo("reg:5000/library/alpine:3.20");
      assertThat(p.version()).isEqualTo("1.3.1-r0");
    });
    assertThat(h.list()).singleElement().satisfies(r -> assertThat(r.images()).hasSize(1));
  }

  @Test
  void aDatabaseFromANewerAirlockIsRefusedAndAnOlderOneUpgraded() throws Exception {
    Path db = dir.resolve("history.db");
    ImportHistory.open(db);
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
      s.execute("DROP TABLE staged_uploads"); // as version 1 wrote it
      s.execute("PRAGMA user_version = 1");
    }
    ImportHistory.open(db).rememberStagedUpload("reg", new ImportHistory.StagedUploadNote("r", "sha256:aa", 1, "u"));
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement();
        var rs = s.executeQuery("PRAGMA user_version")) {
      assertThat(rs.getInt(1)).isEqualTo(ImportHistory.SCHEMA_VERSION);
    }
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement()) {
      s.execute("PRAGMA user_version = " + (ImportHistory.SCHEMA_VERSION + 1));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImportHistory.open(db))
        .hasMessageContaining("schema version " + (ImportHistory.SCHEMA_VERSION + 1)).hasMessageContaining("newer airlock");
  }
}
