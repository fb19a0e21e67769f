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

  public static String table(List<ImportRecord> records) {
    if (records.isEmpty()) {
      return "no imports recorded\n";
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-4s %-20s %-20s %-19s %-28s %-9s %s%n", "ID", "WHEN", "BUNDLE", "DIGEST",
        "TARGET", "STATUS", "PUSHED/MOUNTED/SKIPPED BLOBS (BYTES PUSHED)  VERIFICATION"));
    for (ImportRecord r : records) {
      b.append(String.format(Locale.ROOT, "%-4d %-20s %-20s %-19s %-28s %-9s %d/%d/%d (%d)  %s%n", r.id(),
          r.finished(), cut(r.bundleName(), 20), r.bundleDigest() == null ? "-" : cut(r.bundleDigest(), 19),
          cut(r.target(), 28), r.status(), r.blobsPushed(), r.blobsMounted(), r.blobsSkipped(), r.bytesPushed(),
          r.verification()));
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
