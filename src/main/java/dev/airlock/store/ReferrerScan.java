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
 * listed), and in the referrers tag schema's {@code sha256-<hex>} index of the subject when the layout has one
 * (as tools write it for registries without the referrers API): an entry of that index counts only when the
 * store holds the manifest and its own {@code subject} is the subject. What each manifest refers to is
 * remembered by digest (content never changes under a digest), so asking for the referrers of many subjects
 * reads each manifest once.
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
    List<Descriptor> tagIndexes = new ArrayList<>();
    String tag = subject.tagForm();
    for (Descriptor d : index) {
      if (MediaTypes.isIndex(d.mediaType()) && isTag(d, tag)) {
        tagIndexes.add(d);
      }
      if (!MediaTypes.isManifest(d.mediaType()) || !seen.add(d.digest())) {
        continue;
      }
      add(d, subject, artifactType, reader, out);
    }
    for (Descriptor t : tagIndexes) {
      RawManifest idx = reader.read(t);
      if (idx == null || !idx.isIndex()) {
        continue;
      }
      for (Descriptor d : idx.manifests()) {
        if (MediaTypes.isManifest(d.mediaType()) && seen.add(d.digest())) {
          add(d, subject, artifactType, reader, out);
        }
      }
    }
    return out;
  }

  private void add(Descriptor d, Digest subject, String artifactType, ManifestReader reader, List<Descriptor> out)
      throws IOException {
    Optional<Entry> e = cache.get(d.digest());
    if (e == null) {
      RawManifest m = reader.read(d);
      if (m == null) {
        return;
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

  /** An index.json entry tagged {@code tag}, in any repository of the layout ({@code [repository:]tag}). */
  private static boolean isTag(Descriptor d, String tag) {
    String name = d.annotations() == null ? null : d.annotations().get(Descriptor.REF_NAME);
    return name != null && (name.equals(tag) || name.endsWith(":" + tag));
  }
}
