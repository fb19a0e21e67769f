package dev.airlock.importer;

import dev.airlock.progress.ByteSize;
import java.time.Duration;
import java.util.List;

/**
 * What an import did: the plan, the verification, the counts, the proof and where the history is.
 *
 * @param indexes what stands at the target for each platform-filtered (sparse) index, and why
 */
public record ImportResult(ImportPlan plan, BundleVerifier.Outcome verification, boolean dryRun, long blobsPushed,
    long bytesPushed, long blobsMounted, long bytesMounted, long blobsSkipped, long bytesSkipped, long manifestsPushed,
    long manifestsSkipped, List<String> proof, List<String> configNotes, Duration elapsed, long historyId,
    List<IndexPlacement> indexes) {

  public ImportResult {
    indexes = indexes == null ? List.of() : List.copyOf(indexes);
  }

  /** One line per sparse index: what stands at its tag, and why. */
  public List<String> indexLines() {
    return indexes.stream().map(p -> where(p) + " -> "
        + (p.filtered() ? "filtered index " + p.pushed().digest() + " (from " + p.original().shortForm() + ")"
            : "original index " + p.original()) + ": " + p.reason()).toList();
  }

  private String where(IndexPlacement p) {
    for (ImportItem i : plan.items()) {
      if (i.targetRepository().equals(p.repository()) && i.targetReference().equals(p.reference())) {
        return BundleImporter.targetRef(plan, i);
      }
    }
    return p.repository() + (p.reference().contains(":") ? "@" : ":") + p.reference();
  }

  /** The summary line printed at the end. */
  public String summary() {
    if (dryRun) {
      return "dry run: nothing pushed; would push " + (plan.blobs() - plan.existingBlobs()) + " blobs ("
          + ByteSize.human(plan.bytes() - plan.existingBytes()) + "), " + plan.existingBlobs() + " blobs ("
          + ByteSize.human(plan.existingBytes()) + ") already at the target";
    }
    double secs = Math.max(0.001, elapsed.toMillis() / 1000.0);
    return String.format(java.util.Locale.ROOT,
        "imported %d items in %.1fs: blobs pushed %d (%s), mounted %d (%s), skipped %d (%s); manifests pushed %d,"
            + " skipped %d; %s/s",
        plan.items().size(), secs, blobsPushed, ByteSize.human(bytesPushed), blobsMounted, ByteSize.human(bytesMounted),
        blobsSkipped, ByteSize.human(bytesSkipped), manifestsPushed, manifestsSkipped,
        ByteSize.human((long) (bytesPushed / secs)));
  }
}
