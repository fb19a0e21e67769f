package dev.airlock.bundler;

import dev.airlock.delta.DeltaBases;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.verify.BundleSigner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which blobs a delta bundle leaves out: every blob of the content (layer, config, artifact blob) that every base
 * says the target holds with the same size, except the blobs of referrers (signatures, SBOMs, attestations, and the
 * attestation manifests buildx puts in an index: small, and a policy needs their content, so they are always carried) and the OCI empty blob (the bundle's own
 * metadata uses it). Manifests and indexes are always carried.
 */
final class DeltaSelection {
  private DeltaSelection() {}

  /** What was left out, and what it would have cost. */
  record Result(List<Descriptor> leftOut, long leftOutBytes, int carriedBlobs, long carriedBytes) {}

  static Result select(BundleContent content, DeltaBases since) throws IOException {
    Set<Digest> referrerBlobs = new HashSet<>();
    for (BundleContent.Referrer r : content.referrers) {
      BundleContent.ManifestInfo m = content.manifests.get(r.seen().digest());
      if (m != null) {
        m.blobs().forEach(b -> referrerBlobs.add(b.digest()));
      }
    }
    for (BundleContent.ManifestInfo m : content.manifests.values()) {
      if (m.platform() != null && "unknown".equals(m.platform().os())) {
        m.blobs().forEach(b -> referrerBlobs.add(b.digest())); // a buildx attestation manifest of an index
      }
    }
    List<Descriptor> out = new ArrayList<>();
    long bytes = 0;
    int carried = 0;
    long carriedBytes = 0;
    for (Descriptor b : content.blobs.values()) {
      boolean leave = !referrerBlobs.contains(b.digest()) && !b.digest().equals(BundleSigner.EMPTY_DESCRIPTOR.digest())
          && since.everyHas(b.digest(), b.size());
      if (leave) {
        out.add(b);
        bytes += b.size();
      } else {
        carried++;
        carriedBytes += b.size();
      }
    }
    return new Result(List.copyOf(out), bytes, carried, carriedBytes);
  }
}
