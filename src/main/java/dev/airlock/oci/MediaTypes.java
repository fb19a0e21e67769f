package dev.airlock.oci;

import dev.airlock.InvalidInputException;
import java.util.List;

/** The media types airlock understands, and what they are. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  /** An uncompressed layer, as {@code docker save} writes them. */
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

  /** Helm's OCI chart types. */
  public static final String HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
  public static final String HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
  public static final String HELM_PROV = "application/vnd.cncf.helm.chart.provenance.v1.prov";

  /** Signatures, SBOMs and attestations. */
  public static final String COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
  public static final String SIGSTORE_BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";
  public static final String IN_TOTO = "application/vnd.in-toto+json";
  public static final String DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
  public static final String NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature";
  public static final String SPDX_JSON = "application/spdx+json";
  public static final String CYCLONEDX_JSON = "application/vnd.cyclonedx+json";

  /** What a registry is asked to return, every manifest type we take. */
  public static final List<String> ACCEPTED_MANIFESTS =
      List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

  public static final String ACCEPT_HEADER = String.join(", ", ACCEPTED_MANIFESTS);

  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  public static boolean isImageManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  public static boolean isManifest(String mediaType) {
    return isIndex(mediaType) || isImageManifest(mediaType);
  }

  /**
   * A foreign (non-distributable) layer: Docker's foreign layer or OCI's deprecated non-distributable layer
   * types, the only descriptors that may carry {@code urls}.
   */
  public static boolean isForeignLayer(String mediaType) {
    return DOCKER_FOREIGN_LAYER.equals(mediaType)
        || mediaType != null && mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.v1.tar");
  }

  public static boolean isSchema1(String mediaType) {
    return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
  }

  /** Throws a clear error for manifest types airlock does not handle (schema 1, unknown). */
  public static void requireSupportedManifest(String mediaType, String what) {
    if (isSchema1(mediaType)) {
      throw new InvalidInputException(
          what + " is a Docker schema 1 manifest, which is deprecated and not supported; "
              + "re-push it with a current client to convert it to schema 2 or OCI");
    }
    if (!isManifest(mediaType)) {
      throw new InvalidInputException(what + " has unsupported manifest media type '" + mediaType + "'");
    }
  }
}
