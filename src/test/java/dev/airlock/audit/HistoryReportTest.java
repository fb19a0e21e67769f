package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.HeadlessChromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit --imports --html/--markdown}: the import history as a report. */
class HistoryReportTest {
  @TempDir Path tmp;

  @Test
  void theHistoryReportListsImportsNewestFirstAndWhereEachImageWent() throws Exception {
    Path db = tmp.resolve("history.db");
    ImportHistory h = ImportHistory.open(db);
    h.record(record("2026-11-02T10:00:00Z", "platform-2026-44", "sha256:" + "a".repeat(64), ImportRecord.OK, null));
    h.record(record("2026-11-09T10:00:00Z", "platform-2026-45", "sha256:" + "c".repeat(64), ImportRecord.VERIFICATION_FAILED,
        "the bundle signature does not verify with any of the 1 key(s)"));
    h.record(record("2026-11-09T11:00:00Z", "<b>bold</b>", null, ImportRecord.DRY_RUN, null));

    Path md = tmp.resolve("history.md");
    Path html = tmp.resolve("history.html");
    CommandResult r = CommandResult.run("audit", "--imports", "--catalog", db.toString(), "--markdown", md.toString(),
        "--html", html.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String text = Files.readString(md);
    assertThat(text).contains("> **1 of 3 imports did not succeed**",
        "**Imports:** 3 (1 dry-run, 1 ok, 1 verification-failed)",
        "**Last import:** \\#3 at 2026-11-09T11:00:00Z: &lt;b&gt;bold&lt;/b&gt; to registry.internal:5000/mirror, dry-run",
        "| `docker.io/library/alpine:3.20` | `registry.internal:5000/mirror/library/alpine:3.20` |",
        "error: the bundle signature does not verify");
    // newest first
    assertThat(text.indexOf("| \\#3 |")).isLessThan(text.indexOf("| \\#2 |")).isLessThan(text.indexOf("| \\#1 |"));

    String dom = HeadlessChromium.find().dumpDom(html, null);
    List<String> rows = AuditHtmlReportTest.rows(dom, "imports");
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).contains("#3", "&lt;b&gt;bold&lt;/b&gt;", "dry-run");
    assertThat(rows.get(1)).contains("#2", "verification-failed");
    assertThat(dom).doesNotContain("<b>bold</b>").contains("<p class=\"verdict\">1 of 3 imports did not succeed</p>");
  }

  @Test
  void aHistoryThatIsNotThereIsAnError() {
    CommandResult r = CommandResult.run("audit", "--imports", "--catalog", tmp.resolve("none.db").toString(), "--html",
        tmp.resolve("x.html").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no import history at");
  }

  static ImportRecord record(String when, String name, String digest, String status, String error) {
    return new ImportRecord(0, when, when, "/media/usb/" + name + ".tar", digest, name, "registry.internal:5000/mirror",
        status, status.equals(ImportRecord.OK) ? "integrity ok; bundle signature ok" : "integrity ok", 10, 2, 3, 1 << 20,
        0, 4, 0, Map.of("docker.io/library/alpine", "registry.internal:5000/mirror/library/alpine"), error,
        status.equals(ImportRecord.OK) ? List.of(new ImportRecord.Image("docker.io/library/alpine:3.20",
            "registry.internal:5000/mirror/library/alpine:3.20", "sha256:" + "b".repeat(64), "sha256:" + "b".repeat(64),
            null, null, null, null)) : List.of());
  }
}
