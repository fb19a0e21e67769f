package dev.airlock.bundler;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.verify.BundleSigner;
import dev.airlock.verify.keys.SigningKey;
import java.time.Instant;
import java.util.List;

/** Signs a bundle with a private key through {@link BundleSigner} (keyed Sigstore bundle, DSSE, in-toto). */
public final class KeySignatureHook implements BundleSignatureHook {
  private final SigningKey key;

  public KeySignatureHook(SigningKey key) {
    this.key = key;
  }

  @Override
  public Signature sign(Descriptor root, Digest catalog, Digest lock, String name, String created) {
    byte[] sigstore = BundleSigner.signBundle(key, name, Instant.parse(created), root.digest(), catalog, lock);
    Descriptor layer = Descriptor.of(MediaTypes.SIGSTORE_BUNDLE_V03, Digest.sha256(sigstore), sigstore.length);
    byte[] manifest = BundleSigner.signatureManifest(root, layer);
    RawManifest m = RawManifest.of(manifest, MediaTypes.OCI_MANIFEST, "bundle signature manifest");
    return new Signature(m, List.of(new Blob(layer, sigstore),
        new Blob(BundleSigner.EMPTY_DESCRIPTOR, BundleSigner.EMPTY_CONFIG)));
  }

  @Override
  public dev.airlock.bundle.parts.PartWriter.Signer partSigner() {
    String keyId = dev.airlock.verify.keys.PublicKeys.keyId(key.publicKey());
    return pae -> new dev.airlock.verify.dsse.Dsse.Signature(keyId, key.sign(pae));
  }
}
