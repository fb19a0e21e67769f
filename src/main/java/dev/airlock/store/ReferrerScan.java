package dev.airlock.store;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds referrers among a layout's {@code index.json} entries (where manifests with a {@code subject} are
 * listed). What each manifest refers to is remembered by digest (content never changes under a digest), so
 * asking for the referrers of many subjects reads each manifest once.
 */
public final class ReferrerScan {
  public interface ManifestReader {
    /** The manifest, or null when the store does not hold it. */
    RawManifest read(Descriptor d) throws IOException;
  }

  /** The subject and the referrer descriptor of a manifest that has one. */
  private record Entry(Digest subject, Descriptor referrer) {}

  private final Map<Digest, Optional<Entry>> cache = new ConcurrentHashMap<>();

  public List<Descriptor> referrers(List<Descriptor> index, Digest subject, String artifactType, ManifestReader reader)
      throws IOException {
    List<Descriptor> out = new ArrayList<>();
    Set<Digest> seen = new HashSet<>();
    for (Descriptor d : index) {
      if (!MediaTypes.isManifest(d.mediaType()) || !seen.add(d.digest())) {
        continue;
      }
      Optional<Entry> e = cache.get(d.digest());
      if (e == null) {
        RawManifest m = reader.read(d);
        if (m == null) {
          continue;
        }
        Descriptor s = m.subject();
        e = s == null ? Optional.empty() : Optional.of(new Entry(s.digest(),
            new Descriptor(m.mediaType(), m.digest(), m.size(), null, m.annotations(), null, m.artifactType())));
        cache.put(d.digest(), e);
      }
      if (e.isPresent() && e.get().subject().equals(subject)
          && (artifactType == null || artifactType.equals(e.get().referrer().artifactType()))) {
        out.add(e.get().referrer());
      }
    }
    return out;
  }
}
