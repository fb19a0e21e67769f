package dev.airlock.mirror;

import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Manifests read from the sources, kept so the walk, the policy, the plan and the push each read a manifest
 * from its registry once: least recently used first out, bounded by their total size (manifests are
 * content-addressed, so one digest is one set of bytes, whichever repository served it).
 */
final class ManifestCache {
  /** Total manifest bytes kept: thousands of typical manifests, and a flat bound whatever the spec's size. */
  static final long DEFAULT_BYTES = 16L << 20;

  private final long capacity;
  private long held;
  private final LinkedHashMap<Digest, RawManifest> entries = new LinkedHashMap<>(256, 0.75f, true);

  ManifestCache(long capacity) {
    this.capacity = capacity;
  }

  /** The manifest {@code digest} of {@code repository} in {@code store}, from the cache or the store. */
  RawManifest get(ContentStore store, String repository, Digest digest) throws IOException {
    synchronized (this) {
      RawManifest m = entries.get(digest);
      if (m != null) {
        return m;
      }
    }
    RawManifest m = store.getManifest(repository, digest.toString()); // checked against the digest by the store
    put(m);
    return m;
  }

  synchronized void put(RawManifest m) {
    if (m.size() > capacity || entries.containsKey(m.digest())) {
      return;
    }
    entries.put(m.digest(), m);
    held += m.size();
    Iterator<Map.Entry<Digest, RawManifest>> it = entries.entrySet().iterator();
    while (held > capacity && it.hasNext()) {
      held -= it.next().getValue().size();
      it.remove();
    }
  }
}
