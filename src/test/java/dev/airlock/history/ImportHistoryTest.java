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
}
