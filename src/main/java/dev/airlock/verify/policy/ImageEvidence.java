package dev.airlock.verify.policy;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The signatures, attestations and SBOMs found in a store for one image: OCI 1.1 referrers and cosign's
 * tag scheme ({@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}).
 */
final class ImageEvidence {
  final ContentStore store;
  final String repository;
  final Digest digest;
  final RawManifest image;
  final RawManifest sigTag;
  final RawManifest attTag;
  final RawManifest sbomTag;
  final List<RawManifest> referrers = new ArrayList<>();
  /** Notation signatures verified by the image's rules, for the report. */
  final List<dev.airlock.verify.notation.NotationResult> notation = new ArrayList<>();

  ImageEvidence(ContentStore store, String repository, Digest digest) throws IOException {
    this.store = store;
    this.repository = repository;
    this.digest = digest;
    this.image = store.getManifest(repository, digest.toString());
    this.sigTag = tagged(".sig");
    this.attTag = tagged(".att");
    this.sbomTag = tagged(".sbom");
    for (Descriptor d : store.referrers(repository, digest, null)) {
      referrers.add(store.getManifest(repository, d.digest().toString()));
    }
  }

  private RawManifest tagged(String suffix) throws IOException {
    Optional<Descriptor> d = store.resolve(repository, digest.tagForm() + suffix);
    return d.isPresent() ? store.getManifest(repository, d.get().digest().toString()) : null;
  }

  List<RawManifest> referrersOfType(String artifactType) {
    return referrers.stream().filter(m -> artifactType.equals(m.artifactType())).toList();
  }

  /** A small blob (a payload, a Sigstore bundle, an envelope), capped. */
  byte[] small(Descriptor d) throws IOException {
    try (InputStream in = store.openBlob(repository, d)) {
      return Json.readCapped(in, Json.MANIFEST_CAP, "blob " + d.digest());
    }
  }

  /** The first layer of a referrer carrying a Sigstore bundle. */
  Descriptor bundleLayer(RawManifest m) {
    return m.layers().stream().filter(l -> l.mediaType() != null && l.mediaType().startsWith("application/vnd.dev.sigstore.bundle"))
        .findFirst().orElse(null);
  }

  static boolean isSbomType(String t) {
    return t != null && (t.equals(MediaTypes.SPDX_JSON) || t.equals(MediaTypes.CYCLONEDX_JSON)
        || t.contains("spdx") || t.contains("cyclonedx"));
  }
}
