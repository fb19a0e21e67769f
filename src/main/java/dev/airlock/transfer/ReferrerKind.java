package dev.airlock.transfer;

import dev.airlock.oci.MediaTypes;
import java.util.Locale;

/** What a referrer is, for the catalog and reports: signature, SBOM, attestation, Notation signature. */
public enum ReferrerKind {
  SIGNATURE("signature"),
  SBOM("sbom"),
  ATTESTATION("attestation"),
  NOTATION("notation"),
  OTHER("other");

  private final String id;

  ReferrerKind(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /**
   * Classifies by cosign tag suffix first ({@code .sig}, {@code .att}, {@code .sbom}), then by artifact
   * type and the {@code dev.sigstore.bundle.predicateType} annotation.
   */
  public static ReferrerKind classify(String artifactType, String cosignTag, java.util.Map<String, String> annotations) {
    if (cosignTag != null) {
      if (cosignTag.endsWith(".sig")) {
        return SIGNATURE;
      }
      if (cosignTag.endsWith(".att")) {
        return ATTESTATION;
      }
      if (cosignTag.endsWith(".sbom")) {
        return SBOM;
      }
    }
    String at = artifactType == null ? "" : artifactType.toLowerCase(Locale.ROOT);
    if (at.startsWith(MediaTypes.NOTATION_SIGNATURE)) {
      return NOTATION;
    }
    if (at.contains("spdx") || at.contains("cyclonedx") || at.contains("sbom") || at.contains("syft")) {
      return SBOM;
    }
    if (at.startsWith("application/vnd.dev.sigstore.bundle")) {
      String predicate = annotations == null ? null : annotations.get("dev.sigstore.bundle.predicateType");
      if (predicate != null) {
        String p = predicate.toLowerCase(Locale.ROOT);
        return p.contains("spdx") || p.contains("cyclonedx") ? SBOM : ATTESTATION;
      }
      return SIGNATURE;
    }
    if (at.contains("in-toto") || at.contains("dsse") || at.contains("attestation") || at.contains("provenance")) {
      return ATTESTATION;
    }
    if (at.contains("signature") || at.equals(MediaTypes.COSIGN_SIMPLESIGNING)) {
      return SIGNATURE;
    }
    return OTHER;
  }
}
