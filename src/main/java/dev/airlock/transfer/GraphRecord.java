package dev.airlock.transfer;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import java.util.List;

/** What a graph copy saw, for the catalog and reports. All lists are in walk order. */
public record GraphRecord(
    Descriptor root,
    List<ManifestSeen> manifests,
    List<ChildSeen> indexChildren,
    List<BlobSeen> blobs,
    List<ReferrerSeen> referrers) {

  /** A manifest or index copied. {@code platform} is set for platform-specific children of an index. */
  public record ManifestSeen(Digest digest, String mediaType, long size, Platform platform, String artifactType) {}

  /** A child of an index, copied ({@code present}) or left out by the platform filter. */
  public record ChildSeen(Digest index, Digest child, Platform platform, boolean present) {}

  /** A blob a manifest uses, with whether this copy transferred it or found it already there. */
  public record BlobSeen(Digest digest, long size, String mediaType, Digest usedBy, boolean transferred) {}

  /** A referrer found for a subject; {@code tag} is the cosign tag when found by the tag scheme. */
  public record ReferrerSeen(Digest digest, Digest subject, String artifactType, ReferrerKind kind, String tag) {}
}
