package dev.airlock.importer;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;

/**
 * What stands at the target for one platform-filtered (sparse) index of the bundle, and why.
 *
 * @param repository the target repository
 * @param reference the tag (or the original digest, for a digest-only source)
 * @param original the index as the bundle keeps it
 * @param pushed what the reference resolves to at the target: {@code original}, or the filtered index
 * @param reason why, in words ({@code the registry refused the original: HTTP 400 MANIFEST_BLOB_UNKNOWN})
 */
public record IndexPlacement(String repository, String reference, Digest original, Descriptor pushed, String reason) {
  public boolean filtered() {
    return !pushed.digest().equals(original);
  }

  /** {@code kept} or {@code filtered}, as the history and mapping.json say it. */
  public String handling() {
    return filtered() ? "filtered" : "kept";
  }
}
