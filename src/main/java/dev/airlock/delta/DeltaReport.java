package dev.airlock.delta;

import dev.airlock.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What verify says of a delta bundle: its bases and every blob it expects at the target. */
public final class DeltaReport {
  private DeltaReport() {}

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
        List<Descriptor> expected = d.expectedBlobs();
        long bytes = expected.stream().mapToLong(Descriptor::size).sum();
        return "delta bundle: " + expected.size() + " blobs (" + bytes + " bytes) are expected elsewhere (at the import"
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
      List<Descriptor> expected = d.expectedBlobs();
      long bytes = expected.stream().mapToLong(Descriptor::size).sum();
      StringBuilder sb = new StringBuilder("computed against ");
      sb.append(String.join(", ", d.bases().stream().map(DeltaCatalog::describe).toList()));
      sb.append("; ").append(expected.size()).append(" blobs (").append(bytes)
          .append(" bytes) expected at the target, checked by import before it pushes anything");
      for (Descriptor e : expected) {
        sb.append("\n    expected at target: ").append(e.digest()).append(" ").append(e.size()).append(" bytes");
      }
      return sb.toString();
    }
  }
}
