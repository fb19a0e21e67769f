package dev.airlock.importer;

import dev.airlock.progress.ByteSize;
import java.util.List;
import java.util.Map;

/**
 * What an import will do, decided before anything is pushed: the items and their target names, what
 * the target supports, how many blobs and bytes it already holds, and what cannot be kept as is.
 *
 * @param mapping source repository name -> target repository (with host for a registry)
 * @param bytes summed over every (repository, blob) pair
 * @param uploadBytes the blobs no target repository holds, each counted once: the others are mounted
 * @param access what the target grants, asked per repository before anything is pushed
 */
public record ImportPlan(String target, TargetFeatures features, boolean registry, List<ImportItem> items,
    Map<String, String> mapping, long blobs, long bytes, long existingBlobs, long existingBytes, long uploadBytes,
    long manifests, List<String> warnings, PushAccess access) {

  /** How indexes travel to this target, and why. */
  public String indexLine() {
    String full = "indexes: a full index is pushed byte-for-byte; a platform-filtered (sparse) index ";
    if (!features.sparseIndex()) {
      return full + "is split into per-platform tags (<tag>-<os>-<arch>) and the index itself is not pushed, because"
          + " docker-registry 2.x refuses an index whose children are missing and that cannot be probed without writing"
          + " (default; --keep-sparse-index pushes it byte-for-byte when this registry accepts it)";
    }
    return full + "is pushed byte-for-byte with its missing children left out"
        + (registry ? " (--keep-sparse-index: you said this registry accepts it)" : " (an OCI layout accepts it)");
  }

  /** The plan in lines for people. */
  public List<String> describe() {
    List<String> out = new java.util.ArrayList<>();
    out.add("target " + target + ": " + features.notes());
    out.add(indexLine());
    out.addAll(access.lines());
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
        + (uploadBytes < bytes - existingBytes ? ", " + ByteSize.human(uploadBytes) + " of it uploaded, the rest mounted" : "")
        + "); manifests: " + manifests);
    warnings.forEach(w -> out.add("warning: " + w));
    return out;
  }
}
