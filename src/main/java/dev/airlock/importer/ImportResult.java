package dev.airlock.importer;

import dev.airlock.progress.ByteSize;
import java.time.Duration;
import java.util.List;

/** What an import did: the plan, the verification, the counts, the proof and where the history is. */
public record ImportResult(ImportPlan plan, BundleVerifier.Outcome verification, boolean dryRun, long blobsPushed,
    long bytesPushed, long blobsMounted, long bytesMounted, long blobsSkipped, long bytesSkipped, long manifestsPushed,
    long manifestsSkipped, List<String> proof, List<String> configNotes, Duration elapsed, long historyId) {

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
