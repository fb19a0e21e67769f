package dev.airlock.serve;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.store.ContentStore;
import dev.airlock.store.archive.TarLayoutStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Serves a bundle tarball in place: blobs are slices of the tar, read through its offset index. */
final class BundleTarballs {
  private BundleTarballs() {}

  /** {@code knownBound}: the bound a verification of {@code tarball} found (-1: none ran, so it is scanned for). */
  static ServedContent served(Path tarball, long knownBound) throws IOException {
    // a compressed bundle is read once as a stream first: decompressed only up to what its blobs need
    long bound = !dev.airlock.store.archive.ArchiveFile.isCompressed(tarball) ? Long.MAX_VALUE
        : knownBound >= 0 ? knownBound : dev.airlock.verify.CompressedBundles.scannedBound(tarball);
    TarLayoutStore store = TarLayoutStore.open(tarball, bound, true); // clients ask for blobs in any order
    return new ServedContent() {
      @Override
      public ContentStore store() {
        return store;
      }

      @Override
      public List<Descriptor> indexEntries() {
        return store.index();
      }

      @Override
      public Optional<BlobRegion> region(Digest digest) {
        return store.blobEntry(digest)
            .map(e -> BlobRegion.ofChannel(store.archive().channel(), e.dataOffset(), e.size()));
      }
    };
  }
}
