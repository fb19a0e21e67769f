package dev.airlock.manifestlists;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;

/** What a child of an index is, beyond its platform. */
public final class IndexChildren {
  private IndexChildren() {}

  /** docker buildx marks provenance / SBOM children with these annotations and platform unknown/unknown. */
  public static final String DOCKER_REFERENCE_TYPE = "vnd.docker.reference.type";
  public static final String DOCKER_REFERENCE_DIGEST = "vnd.docker.reference.digest";
  public static final String ATTESTATION_MANIFEST = "attestation-manifest";

  /** True for a buildx attestation child (it describes another child, it is not an image to run). */
  public static boolean isAttestation(Descriptor child) {
    if (ATTESTATION_MANIFEST.equals(child.annotation(DOCKER_REFERENCE_TYPE))) {
      return true;
    }
    Platform p = child.platform();
    return p != null && "unknown".equals(p.os()) && "unknown".equals(p.architecture())
        && child.annotation(DOCKER_REFERENCE_DIGEST) != null;
  }

  /** The image digest an attestation child describes, or null (absent or malformed). */
  public static Digest attestationSubject(Descriptor child) {
    String d = child.annotation(DOCKER_REFERENCE_DIGEST);
    return d != null && Digest.isValid(d) ? Digest.parse(d) : null;
  }

  /** {@code linux/arm64/v8}, {@code (no platform)}, or {@code attestation for sha256:...}. */
  public static String describe(Descriptor child) {
    if (isAttestation(child)) {
      Digest s = attestationSubject(child);
      return "attestation" + (s != null ? " for " + s.shortForm() : "");
    }
    return child.platform() == null ? "(no platform)" : child.platform().toString();
  }
}
