package dev.airlock.bundle.parts;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleTarWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a bundle tarball of {@code total} bytes is cut into volumes of at most {@code volumeSize} bytes. Each
 * part file is: the manifest entry's header (one record) and its {@code reserved} bytes, the data entry's
 * header, bytes {@code [offset, offset + size)} of the bundle, and the two end-of-archive records. Every
 * part but the last holds the same number of bytes (a whole number of records), so a blob is split
 * wherever a volume fills up, never padded to the next one.
 */
public record PartPlan(long volumeSize, int reserved, List<Part> parts) {
  /** One part: its number, its range of the bundle, the data header and where the data starts in the file. */
  public record Part(int number, long offset, long size, byte[] dataHeader, long dataOffset, long fileSize) {}

  public PartPlan {
    parts = List.copyOf(parts);
  }

  public static PartPlan plan(long total, long volumeSize, String bundleName, String created) throws IOException {
    int n = 1;
    for (int round = 0; round < 64; round++) {
      int reserved = PartManifest.reservedSize(bundleName, created, n);
      long overhead = PartFormat.RECORD + reserved + BundleTarWriter.header(PartFormat.DATA_ENTRY, volumeSize, false).length
          + 2L * PartFormat.RECORD;
      long capacity = (volumeSize - overhead) / PartFormat.RECORD * PartFormat.RECORD;
      if (capacity < PartFormat.RECORD) {
        throw new InvalidInputException("--volume-size " + volumeSize + " bytes leaves no room for data beside a part"
            + " manifest of " + reserved + " bytes; use a larger volume");
      }
      long need = Math.max(1, (total + capacity - 1) / capacity);
      if (need > 99_999) {
        throw new InvalidInputException("--volume-size " + volumeSize + " bytes would cut this " + total
            + " byte bundle into " + need + " parts; use a larger volume");
      }
      if (need <= n) {
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < need; i++) {
          long offset = i * capacity;
          long size = Math.min(capacity, total - offset);
          byte[] header = BundleTarWriter.header(PartFormat.DATA_ENTRY, size, false);
          long dataOffset = PartFormat.RECORD + reserved + header.length;
          parts.add(new Part(i + 1, offset, size, header, dataOffset, dataOffset + size + 2L * PartFormat.RECORD));
        }
        return new PartPlan(volumeSize, reserved, parts);
      }
      n = (int) need;
    }
    throw new IllegalStateException("no part plan for " + total + " bytes in volumes of " + volumeSize);
  }
}
