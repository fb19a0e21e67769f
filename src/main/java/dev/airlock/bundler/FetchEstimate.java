package dev.airlock.bundler;

import dev.airlock.manifestlists.PlatformSelector;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes a fetch will move, for the progress bar's total and ETA: the config and layers of every
 * entry's selected platforms that the working layout does not have yet. Referrers are not counted (they
 * are found while fetching). Costs one manifest request per image manifest; a failure here only means
 * an unknown total, never a failed bundle.
 */
final class FetchEstimate {
  private FetchEstimate() {}

  static long bytesToFetch(List<PlannedEntry> entries, LayoutStore work) {
    return bytesToFetch(entries, work, Long.MAX_VALUE);
  }

  /** The same, counting only blobs of at most {@code maxSize} bytes (the others are fetched later). */
  static long bytesToFetch(List<PlannedEntry> entries, LayoutStore work, long maxSize) {
    Map<Digest, Long> blobs = new HashMap<>();
    try {
      for (PlannedEntry e : entries) {
        RawManifest root = e.store().getManifest(e.repository(), e.digest().toString());
        if (root.isIndex()) {
          PlatformSelector sel = e.platforms().isEmpty() ? PlatformSelector.all() : new PlatformSelector(e.platforms());
          for (Descriptor c : sel.select(root).selected()) {
            if (MediaTypes.isImageManifest(c.mediaType())) {
              add(e.store().getManifest(e.repository(), c.digest().toString()), blobs);
            }
          }
        } else {
          add(root, blobs);
        }
      }
      long total = 0;
      for (Map.Entry<Digest, Long> b : blobs.entrySet()) {
        if (b.getValue() <= maxSize && !work.hasBlob("", b.getKey())) {
          total += b.getValue();
        }
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static void add(RawManifest m, Map<Digest, Long> blobs) {
    for (Descriptor d : m.children()) {
      if (!MediaTypes.DOCKER_FOREIGN_LAYER.equals(d.mediaType()) && d.urls().isEmpty()) {
        blobs.put(d.digest(), d.size());
      }
    }
  }
}
