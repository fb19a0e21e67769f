package dev.airlock.clusterpolicy;

import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.sigstore.TrustRoot;
import dev.airlock.verify.tuf.OfflineTufClient;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The trust root a bundle's keyless rules were checked with at the gate, for the cluster: the TUF repository
 * the bundle carries ({@code bundle --tuf-repo}), walked as the verification walked it (from the root
 * embedded in sigstore-java, at the validation time) to its {@code trusted_root.json}.
 */
public final class CarriedTrustRoot {
  private CarriedTrustRoot() {}

  /**
   * @param root the bundle's root index digest (null: not a bundle, e.g. a mirror's sources)
   * @param at the time the verification checked trust at (null: now)
   */
  public static Supplier<TrustRoot> of(ContentStore store, Digest root, Instant at) {
    return () -> {
      try {
        Descriptor tuf = root == null ? null : tufArchive(store, root);
        if (tuf == null) {
          throw new VerificationException("the bundle carries no TUF repository (bundle --tuf-repo)");
        }
        Path dir = dev.airlock.files.OwnedTempDirs.create(Path.of(System.getProperty("java.io.tmpdir")), "airlock-emit-tuf-");
        try {
          try (InputStream in = store.openBlob("", tuf)) {
            TufRepoArchive.extract(in, dir);
          }
          return TrustRoot.of(OfflineTufClient.trustedRoot(dir, null, at == null ? Instant.now() : at),
              "trusted_root.json from the TUF repository carried in the bundle", null);
        } finally {
          dev.airlock.files.OwnedTempDirs.delete(dir);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Descriptor tufArchive(ContentStore store, Digest root) throws IOException {
    RawManifest index = store.getManifest("", root.toString());
    for (Descriptor d : index.manifests()) {
      RawManifest m = store.getManifest("", d.digest().toString());
      if (BundleFormat.METADATA_ARTIFACT_TYPE.equals(m.artifactType())) {
        for (Descriptor l : m.layers()) {
          if (BundleFormat.TUF_REPO_MEDIA_TYPE.equals(l.mediaType())) {
            return l;
          }
        }
      }
    }
    return null;
  }
}
