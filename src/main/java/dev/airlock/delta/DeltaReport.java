package dev.airlock.delta;

import dev.airlock.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What verify says of a delta bundle: its bases and every blob it expects at the target. */
public final class DeltaReport {
  private DeltaReport() {}

  /** Expected blobs verify lists one a line; a larger delta says how many more and where they are listed. */
  static final int LISTED = 1000;

  /**
   * The start-up line of {@code serve} for a delta bundle (null for any other): how many blobs it does not carry
   * (answered 404 BLOB_UNKNOWN) because they are expected at the import target.
   */
  public static String servedLine(Path bundle) throws IOException {
    if (!java.nio.file.Files.isRegularFile(bundle) && !dev.airlock.bundle.parts.PartSet.isPartSet(bundle)) {
      return null;
    }
    Path tmp = java.nio.file.Files.createTempFile("airlock-serve-catalog-", ".db");
    try {
      try {
        dev.airlock.bundle.BundleArchive.extractCatalog(bundle, tmp);
      } catch (RuntimeException e) {
        return null; // no catalog to read: not a delta airlock can describe
      }
      try (DeltaCatalog d = DeltaCatalog.open(tmp)) {
        if (d == null) {
          return null;
        }
        long[] totals = d.expectedTotals();
        return "delta bundle: " + totals[0] + " blobs (" + totals[1] + " bytes) are expected elsewhere (at the import"
            + " target of " + String.join(", ", d.bases().stream().map(DeltaCatalog::describe).toList())
            + ") and answered 404 BLOB_UNKNOWN; pull only what the delta carries, or import it where its base is";
      }
    } finally {
      java.nio.file.Files.deleteIfExists(tmp);
    }
  }

  public static String describe(Path catalog) throws IOException {
    try (DeltaCatalog d = DeltaCatalog.open(catalog)) {
      if (d == null) {
        return "format version 3 without delta tables in its catalog";
      }
      long[] totals = d.expectedTotals();
      StringBuilder sb = new StringBuilder("computed against ");
      sb.append(String.join(", ", d.bases().stream().map(DeltaCatalog::describe).toList()));
      sb.append("; ").append(totals[0]).append(" blobs (").append(totals[1])
          .append(" bytes) expected at the target, checked by import before it pushes anything");
      for (Descriptor e : d.expectedBlobs(LISTED)) {
        sb.append("\n    expected at target: ").append(e.digest()).append(" ").append(e.size()).append(" bytes");
      }
      if (totals[0] > LISTED) {
        sb.append("\n    and ").append(totals[0] - LISTED).append(" more (every one: sqlite3 BUNDLE.catalog.db"
            + " 'SELECT digest, size FROM expected_blobs ORDER BY digest')");
      }
      return sb.toString();
    }
  }
}
