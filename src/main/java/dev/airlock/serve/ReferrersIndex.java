package dev.airlock.serve;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Subject -> referrers of served content, built once (the content is read-only): every index.json
 * entry whose manifest has a {@code subject}. Descriptors carry artifactType (the config media type when
 * the manifest has none) and annotations, as the referrers API wants them.
 */
final class ReferrersIndex {
  private final Map<Digest, List<Descriptor>> bySubject;

  private ReferrersIndex(Map<Digest, List<Descriptor>> bySubject) {
    this.bySubject = bySubject;
  }

  static ReferrersIndex build(ContentStore store, List<Descriptor> entries) throws IOException {
    Map<Digest, List<Descriptor>> out = new HashMap<>();
    Set<Digest> seen = new HashSet<>();
    for (Descriptor e : entries) {
      if (!MediaTypes.isManifest(e.mediaType()) || !seen.add(e.digest())) {
        continue;
      }
      RawManifest m;
      try {
        m = store.getManifest("", e.digest().toString());
      } catch (dev.airlock.AirlockException ex) {
        continue; // an entry whose manifest is absent is simply not a referrer we can serve
      }
      Descriptor subject = m.subject();
      if (subject != null) {
        out.computeIfAbsent(subject.digest(), k -> new ArrayList<>())
            .add(new Descriptor(m.mediaType(), m.digest(), m.size(), null, m.annotations(), null, artifactType(m)));
      }
    }
    return new ReferrersIndex(out);
  }

  /**
   * A referrer's artifact type as the distribution spec gives it: the manifest's {@code artifactType}, else
   * its config's media type (an image manifest used as an artifact, as cosign and older ORAS push them).
   */
  static String artifactType(RawManifest m) {
    if (m.artifactType() != null) {
      return m.artifactType();
    }
    Descriptor config = m.isIndex() ? null : m.config();
    return config == null ? null : config.mediaType();
  }

  /** Referrers of {@code subject}, optionally only those of {@code artifactType}. */
  List<Descriptor> of(Digest subject, String artifactType) {
    List<Descriptor> all = bySubject.getOrDefault(subject, List.of());
    if (artifactType == null) {
      return all;
    }
    return all.stream().filter(d -> artifactType.equals(d.artifactType())).toList();
  }
}
