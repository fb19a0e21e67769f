package dev.airlock.history;

import dev.airlock.oci.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** {@code airlock audit --imports} output: a table for people, or JSON ({@code -o json}). */
public final class ImportHistoryFormat {
  private ImportHistoryFormat() {}

  public static String json(List<ImportRecord> records) {
    return new String(Json.write(records), StandardCharsets.UTF_8);
  }

  /** The table for a terminal: long names and digests cut to their column with {@code ~}. */
  public static String table(List<ImportRecord> records) {
    return table(records, true);
  }

  /**
   * The table; {@code cut} false (not a terminal: a file, a pipe, a log) writes every value whole, so a
   * digest or target can be read back or searched for.
   */
  public static String table(List<ImportRecord> records, boolean cut) {
    if (records.isEmpty()) {
      return "no imports recorded\n";
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-4s %-20s %-20s %-19s %-28s %-9s %s%n", "ID", "WHEN", "BUNDLE", "DIGEST",
        "TARGET", "STATUS", "PUSHED/MOUNTED/SKIPPED BLOBS (BYTES PUSHED)  VERIFICATION"));
    for (ImportRecord r : records) {
      b.append(String.format(Locale.ROOT, "%-4d %-20s %-20s %-19s %-28s %-9s %d/%d/%d (%d)  %s%n", r.id(),
          r.finished(), cut(r.bundleName(), cut ? 20 : Integer.MAX_VALUE),
          r.bundleDigest() == null ? "-" : cut(r.bundleDigest(), cut ? 19 : Integer.MAX_VALUE),
          cut(r.target(), cut ? 28 : Integer.MAX_VALUE), r.status(), r.blobsPushed(), r.blobsMounted(), r.blobsSkipped(), r.bytesPushed(),
          r.verification()));
      for (ImportRecord.Image i : r.images()) {
        if ("filtered".equals(i.index())) {
          b.append("     filtered index: ").append(i.target()).append(" -> ").append(i.digest()).append(" (from ")
              .append(i.sourceDigest()).append("; ").append(String.join(", ", i.platforms())).append(")\n");
        }
      }
    }
    return b.toString();
  }

  private static String cut(String s, int n) {
    if (s == null) {
      return "-";
    }
    return s.length() <= n ? s : s.substring(0, n - 1) + "~";
  }
}
