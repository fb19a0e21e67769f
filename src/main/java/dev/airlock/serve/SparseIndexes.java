package dev.airlock.serve;

import dev.airlock.AirlockException;
import dev.airlock.manifestlists.FilteredIndex;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What serve answers for a platform-filtered (sparse) index: a tag whose index lists children the bundle
 * does not hold resolves to the {@link FilteredIndex} of the carried ones, which a client can pull whole
 * ({@code skopeo copy --all}); the original stays reachable, byte for byte, by its digest, and so does the
 * filtered index by its own (the digest {@code airlock import} gives it too). Computed when first asked,
 * then kept (the content is read-only).
 */
final class SparseIndexes {
  /** Marks an index with every child present. */
  private static final RawManifest COMPLETE = RawManifest.of("{\"schemaVersion\":2,\"manifests\":[]}".getBytes(
      java.nio.charset.StandardCharsets.UTF_8), MediaTypes.OCI_INDEX, "marker");

  private final ContentStore store;
  private final List<Descriptor> entries;
  /** original digest -> its filtered index, or COMPLETE. */
  private final Map<Digest, RawManifest> byOriginal = new ConcurrentHashMap<>();
  /** filtered digest -> filtered index, for requests by digest. */
  private final Map<Digest, RawManifest> byDigest = new ConcurrentHashMap<>();
  private volatile boolean scanned;

  SparseIndexes(ContentStore store, List<Descriptor> entries) {
    this.store = store;
    this.entries = entries;
  }

  /** The filtered index to answer in place of {@code index}, or empty when every child of it is here. */
  Optional<RawManifest> standIn(RawManifest index) throws IOException {
    if (!index.isIndex()) {
      return Optional.empty();
    }
    RawManifest f = byOriginal.get(index.digest());
    if (f == null) {
      Set<Digest> carried = new HashSet<>();
      for (Descriptor c : index.manifests()) {
        if (store.hasBlob("", c.digest())) {
          carried.add(c.digest());
        }
      }
      f = carried.size() == index.manifests().size() ? COMPLETE : FilteredIndex.of(index, carried).filtered();
      byOriginal.put(index.digest(), f);
      if (f != COMPLETE) {
        byDigest.put(f.digest(), f);
      }
    }
    return f == COMPLETE ? Optional.empty() : Optional.of(f);
  }

  /** A filtered index by its digest: every tagged index of the content is looked at once, the first time. */
  Optional<RawManifest> byDigest(Digest d) throws IOException {
    RawManifest f = byDigest.get(d);
    if (f == null && !scanned) {
      synchronized (this) {
        if (!scanned) {
          for (Descriptor e : entries) {
            if (e.annotation(Descriptor.REF_NAME) != null && MediaTypes.isIndex(e.mediaType())) {
              try {
                standIn(store.getManifest("", e.digest().toString()));
              } catch (AirlockException ex) {
                // an entry whose index is absent has no stand-in
              }
            }
          }
          scanned = true;
        }
      }
      f = byDigest.get(d);
    }
    return Optional.ofNullable(f);
  }
}
