package dev.airlock.audit;

import dev.airlock.audit.ReportDocument.Block;
import dev.airlock.audit.ReportDocument.Cell;
import dev.airlock.audit.ReportDocument.Fact;
import dev.airlock.audit.ReportDocument.Paragraph;
import dev.airlock.audit.ReportDocument.Section;
import dev.airlock.audit.ReportDocument.Subsection;
import dev.airlock.audit.ReportDocument.TableBuilder;
import dev.airlock.audit.ReportDocument.Tone;
import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.progress.ByteSize;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The import history as a {@link ReportDocument}: what was imported where and when, how it verified and what
 * moved, newest first, and for each successful import where every image went.
 */
public final class HistoryReport {
  private HistoryReport() {}

  /** {@code history} null: the database does not exist yet (no import recorded). */
  public static ReportDocument document(Path db, ImportHistory history, Instant generated, String toolVersion)
      throws IOException {
    List<ImportRecord> records = history == null ? List.of() : history.list();
    List<ImportRecord> newest = new ArrayList<>(records);
    java.util.Collections.reverse(newest);
    Map<String, Integer> status = new TreeMap<>();
    records.forEach(r -> status.merge(r.status(), 1, Integer::sum));
    List<Fact> facts = new ArrayList<>();
    facts.add(new Fact("History", db.toString()));
    facts.add(new Fact("Imports", records.size() + (status.isEmpty() ? "" : " (" + statusLine(status) + ")")));
    if (!newest.isEmpty()) {
      ImportRecord last = newest.get(0);
      facts.add(new Fact("Last import", "#" + last.id() + " at " + last.finished() + ": " + nz(last.bundleName()) + " to "
          + last.target() + ", " + last.status(), tone(last.status())));
    }
    long failed = records.stream().filter(r -> !r.status().equals(ImportRecord.OK) && !r.status().equals(ImportRecord.DRY_RUN)).count();
    String headline = records.isEmpty() ? "No imports recorded" : failed == 0 ? "Every import succeeded"
        : failed + " of " + records.size() + " imports did not succeed";
    Tone headTone = records.isEmpty() ? Tone.NEUTRAL : failed == 0 ? Tone.GOOD : Tone.WARN;

    TableBuilder t = new TableBuilder("imports", "#", "Finished", "Bundle", "Bundle id", "Target", "Status",
        "Blobs pushed / mounted / skipped", "Pushed", "Verification").filterable().empty("no imports recorded");
    for (ImportRecord r : newest) {
      t.row(Cell.text("#" + r.id()), Cell.text(r.finished()), Cell.text(nz(r.bundleName())), Cell.digest(r.bundleDigest()),
          Cell.code(r.target()), Cell.toned(r.status(), tone(r.status())),
          Cell.text(r.blobsPushed() + " / " + r.blobsMounted() + " / " + r.blobsSkipped()),
          Cell.text(ByteSize.human(r.bytesPushed())),
          Cell.text(r.verification() + (r.error() == null ? "" : "; error: " + r.error())));
    }
    List<Block> blocks = new ArrayList<>();
    blocks.add(t.build());
    List<Block> where = new ArrayList<>();
    for (ImportRecord r : newest) {
      if (!r.status().equals(ImportRecord.OK)) {
        continue;
      }
      TableBuilder it = new TableBuilder(null, "Source in the bundle", "Now at", "Digest there", "Index")
          .empty("not recorded (imported by an airlock whose history did not keep it)");
      for (ImportRecord.Image i : r.images()) {
        String index = i.index() == null ? "" : i.index() + (i.platforms().isEmpty() ? "" : ": " + String.join(", ", i.platforms()))
            + (i.leftOut().isEmpty() ? "" : "; left out: " + String.join(", ", i.leftOut()));
        it.row(Cell.code(i.source()), Cell.code(i.target()), Cell.digest(i.digest()), Cell.text(index));
      }
      where.add(new Subsection("#" + r.id() + " " + nz(r.bundleName()) + " to " + r.target() + " at " + r.finished(),
          List.of(new ReportDocument.Facts(List.of(new Fact("Bundle file", r.bundlePath()),
              new Fact("Bundle id", nz(r.bundleDigest())), new Fact("Started", r.started()),
              new Fact("Verification", r.verification()))), it.build())));
    }
    List<Section> sections = new ArrayList<>();
    sections.add(new Section("imports", "Imports", blocks));
    if (!where.isEmpty()) {
      List<Block> w = new ArrayList<>();
      w.add(new Paragraph("Where each successful import put every image, chart and artifact of its bundle."));
      w.addAll(where);
      sections.add(new Section("targets", "Where it went", w));
    }
    String footer = "Written by airlock " + toolVersion + " at " + generated + " from the import history " + db
        + ". Find a package across these imports with airlock audit --package NAME --catalog " + db + ".";
    return new ReportDocument("Import history", "airlock audit report of " + db.getFileName(),
        new ReportDocument.Summary(headline, headTone, facts), sections, footer);
  }

  private static String statusLine(Map<String, Integer> status) {
    List<String> parts = new ArrayList<>();
    status.forEach((k, v) -> parts.add(v + " " + k));
    return String.join(", ", parts);
  }

  private static Tone tone(String status) {
    return switch (status) {
      case ImportRecord.OK -> Tone.GOOD;
      case ImportRecord.DRY_RUN -> Tone.NEUTRAL;
      default -> Tone.BAD;
    };
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
