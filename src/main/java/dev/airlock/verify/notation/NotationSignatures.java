package dev.airlock.verify.notation;

import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the Notation signatures of an artifact in a store: manifests whose {@code subject} is the
 * artifact and whose {@code artifactType} (or, in the older form, {@code config.mediaType}) is
 * {@code application/vnd.cncf.notary.signature}, through the store's referrers, and through the referrers
 * tag schema index ({@code sha256-<hex>}) where a store has one. Only manifests whose own subject is the
 * artifact are returned; an index entry's claims are not trusted.
 */
public final class NotationSignatures {
  private NotationSignatures() {}

  public static List<RawManifest> find(ContentStore store, String repository, Digest subject) throws IOException {
    Map<Digest, RawManifest> out = new LinkedHashMap<>();
    for (Descriptor d : store.referrers(repository, subject, null)) {
      consider(store, repository, subject, d.digest(), out);
    }
    Optional<Descriptor> tagged = store.resolve(repository, subject.tagForm());
    if (tagged.isPresent() && MediaTypes.isIndex(tagged.get().mediaType())) {
      RawManifest index = store.getManifest(repository, tagged.get().digest().toString());
      for (Descriptor d : index.manifests()) {
        // an entry without artifactType (older tools) may still be one: its manifest decides
        if ((d.artifactType() == null || MediaTypes.NOTATION_SIGNATURE.equals(d.artifactType()))
            && !out.containsKey(d.digest())) {
          consider(store, repository, subject, d.digest(), out);
        }
      }
    }
    return new ArrayList<>(out.values());
  }

  private static void consider(ContentStore store, String repository, Digest subject, Digest d, Map<Digest, RawManifest> out)
      throws IOException {
    RawManifest m;
    try {
      m = store.getManifest(repository, d.toString());
    } catch (NotFoundException e) {
      return;
    }
    if (isSignature(m) && m.subject() != null && subject.equals(m.subject().digest())) {
      out.put(m.digest(), m);
    }
  }

  /** A Notation signature manifest, in the OCI 1.1 form (artifactType) or the older one (config media type). */
  public static boolean isSignature(RawManifest m) {
    return !m.isIndex() && (MediaTypes.NOTATION_SIGNATURE.equals(m.artifactType())
        || (m.config() != null && MediaTypes.NOTATION_SIGNATURE.equals(m.config().mediaType())));
  }
}
