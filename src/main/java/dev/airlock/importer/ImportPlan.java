package dev.airlock.importer;

import dev.airlock.manifestlists.IndexChildren;
import dev.airlock.oci.Descriptor;
import dev.airlock.progress.ByteSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an import will do, decided before anything is pushed: the items and their target names, what
 * the target supports, how many blobs and bytes it already holds, what becomes of each platform-filtered
 * index, and what cannot be kept as is.
 *
 * @param mapping source repository name -> target repository (with host for a registry)
 * @param bytes summed over every (repository, blob) pair
 * @param uploadBytes the blobs no target repository holds, each counted once: the others are mounted
 * @param access what the target grants, asked per repository before anything is pushed
 * @param sparseMode what is done with a platform-filtered (sparse) index
 */
public record ImportPlan(String target, TargetFeatures features, boolean registry, List<ImportItem> items,
    Map<String, String> mapping, long blobs, long bytes, long existingBlobs, long existingBytes, long uploadBytes,
    long manifests, List<String> warnings, PushAccess access, SparseIndexMode sparseMode) {

  public ImportPlan {
    sparseMode = sparseMode == null ? SparseIndexMode.AUTO : sparseMode;
  }

  /** The items whose index the bundle holds only some children of. */
  public List<ImportItem> sparseItems() {
    return items.stream().filter(ImportItem::sparse).toList();
  }

  /**
   * Why the import must stop at the plan ({@link SparseIndexMode#FAIL} and a sparse index this target may
   * refuse), or null when it may go on.
   */
  public String stopReason() {
    if (sparseMode != SparseIndexMode.FAIL || features.sparseIndex() || sparseItems().isEmpty()) {
      return null;
    }
    List<String> refs = sparseItems().stream().map(ImportItem::sourceRef).toList();
    return "--sparse-index=fail: " + refs.size() + " platform-filtered index" + (refs.size() == 1 ? "" : "es") + " ("
        + String.join(", ", refs) + ") cannot be kept exactly for certain at " + target + ", which may refuse an index"
        + " whose children are absent; nothing was pushed (--sparse-index=auto pushes a filtered index where it does)";
  }

  /** How indexes travel to this target, and why. */
  public String indexLine() {
    String full = "indexes: a full index is pushed byte-for-byte; a platform-filtered (sparse) index ";
    String filteredIs = "a filtered index (the original's JSON with only the carried platforms, annotated"
        + " dev.airlock.index.filtered-from with the original digest) under the same tag";
    return full + switch (sparseMode) {
      case AUTO, PLATFORM_TAGS -> (features.sparseIndex() ? "is kept byte-for-byte (" + kind() + " accepts it)"
          : "is pushed byte-for-byte if the registry accepts an index whose children are absent (its answer to that"
              + " push decides, and the first refusal decides for the rest: docker-registry 2.x refuses), else "
              + filteredIs)
          + (sparseMode == SparseIndexMode.PLATFORM_TAGS ? "; each carried platform is also tagged <tag>-<os>-<arch>"
              : "")
          + " (--sparse-index=" + sparseMode.id() + ")";
      case KEEP -> "is pushed byte-for-byte; a target that refuses it fails the import (--sparse-index=keep)";
      case FILTER -> "is replaced by " + filteredIs + ", so every child is present (--sparse-index=filter)";
      case FAIL -> features.sparseIndex() ? "is kept byte-for-byte (" + kind() + " accepts it; --sparse-index=fail)"
          : "stops the import here, before anything is pushed (--sparse-index=fail)";
    };
  }

  private String kind() {
    return registry ? "the registry" : "an OCI layout";
  }

  /** What the plan says of one sparse item's index, and why. */
  String sparseLine(ImportItem i) {
    String orig = i.digest().shortForm();
    String filt = i.filtered().digest().shortForm();
    String what = switch (sparseMode) {
      case AUTO, PLATFORM_TAGS -> features.sparseIndex() ? "the original " + orig + " byte-for-byte"
          : "the original " + orig + " if the registry accepts it, else the filtered index " + filt;
      case KEEP -> "the original " + orig + " byte-for-byte, or the import fails";
      case FILTER -> "the filtered index " + filt;
      case FAIL -> features.sparseIndex() ? "the original " + orig + " byte-for-byte" : "none: the import stops here";
    };
    List<String> left = new ArrayList<>();
    i.absentChildren().forEach(c -> left.add(IndexChildren.describe(c)));
    String line = "index: " + what + " (left out of the bundle: " + String.join(", ", left) + ")";
    if (sparseMode == SparseIndexMode.PLATFORM_TAGS) {
      List<String> tags = new ArrayList<>();
      for (Descriptor c : i.presentChildren()) {
        if (!IndexChildren.isAttestation(c)) {
          tags.add(ImportItem.platformTag(i.targetTag(), c));
        }
      }
      line += "; platform tags " + String.join(", ", tags);
    }
    return line;
  }

  /** The plan in lines for people. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    out.add("target " + target + ": " + features.notes());
    out.add(indexLine());
    out.addAll(access.lines());
    for (ImportItem i : items) {
      String dst = mapping.getOrDefault(ImportPlanner.sourceName(i), i.targetRepository())
          + (i.targetTag() != null ? ":" + i.targetTag() : "@" + i.digest());
      out.add("  " + i.sourceRef() + " -> " + dst + " (" + i.digest().shortForm() + ")"
          + (i.absentChildren().isEmpty() ? "" : ", " + i.presentChildren().size() + " of "
              + (i.presentChildren().size() + i.absentChildren().size()) + " platforms"));
      if (i.sparse()) {
        out.add("      " + sparseLine(i));
      }
    }
    out.add("blobs: " + blobs + " (" + ByteSize.human(bytes) + "), already at the target: " + existingBlobs + " ("
        + ByteSize.human(existingBytes) + "), to push: " + (blobs - existingBlobs) + " (" + ByteSize.human(bytes - existingBytes)
        + (uploadBytes < bytes - existingBytes ? ", " + ByteSize.human(uploadBytes) + " of it uploaded, the rest mounted" : "")
        + "); manifests: " + manifests);
    warnings.forEach(w -> out.add("warning: " + w));
    return out;
  }
}
