package dev.airlock.importer;

import dev.airlock.progress.ByteSize;
import java.util.List;
import java.util.Map;

/**
 * What an import will do, decided before anything is pushed: the items and their target names, what
 * the target supports, how many blobs and bytes it already holds, and what cannot be kept as is.
 *
 * @param mapping source repository name -> target repository (with host for a registry)
 */
public record ImportPlan(String target, TargetFeatures features, List<ImportItem> items, Map<String, String> mapping,
    long blobs, long bytes, long existingBlobs, long existingBytes, long manifests, List<String> warnings) {

  /** The plan in lines for people. */
  public List<String> describe() {
    List<String> out = new java.util.ArrayList<>();
    out.add("target " + target + ": " + features.notes());
    for (ImportItem i : items) {
      String dst = mapping.getOrDefault(ImportPlanner.sourceName(i), i.targetRepository())
          + (i.targetTag() != null ? ":" + i.targetTag() : "@" + i.digest());
      out.add("  " + i.sourceRef() + " -> " + dst + " (" + i.digest().shortForm() + ")"
          + (i.absentChildren().isEmpty() ? "" : ", " + i.presentChildren().size() + " of "
              + (i.presentChildren().size() + i.absentChildren().size()) + " platforms")
          + (i.split() ? ", SPLIT: platform tags only, the index itself is not pushed" : ""));
    }
    out.add("blobs: " + blobs + " (" + ByteSize.human(bytes) + "), already at the target: " + existingBlobs + " ("
        + ByteSize.human(existingBytes) + "), to push: " + (blobs - existingBlobs) + " (" + ByteSize.human(bytes - existingBytes)
        + "); manifests: " + manifests);
    warnings.forEach(w -> out.add("warning: " + w));
    return out;
  }
}
