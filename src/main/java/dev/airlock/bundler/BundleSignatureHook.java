package dev.airlock.bundler;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.List;

/**
 * Signs a bundle (see docs/bundle-format.md, "bundle signature"): given the root index and the digests
 * of its catalog and lock file, returns the signature manifest (subject = the root) and the blobs it
 * references. The bundler stores them and lists the manifest in index.json.
 */
@FunctionalInterface
public interface BundleSignatureHook {
  /** A blob the signature manifest references (its config, its Sigstore bundle layer). */
  record Blob(Descriptor descriptor, byte[] content) {}

  record Signature(RawManifest manifest, List<Blob> blobs) {}

  Signature sign(Descriptor root, Digest catalog, Digest lock, String name, String created) throws IOException;

  /** Signs part manifests with the same key (bundle --volume-size); null when this signer cannot. */
  default dev.airlock.bundle.parts.PartWriter.Signer partSigner() {
    return null;
  }
}
