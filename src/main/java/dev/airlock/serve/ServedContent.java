package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code airlock serve} serves: a read-only content store, the entries of its {@code index.json}
 * (whose ref names give repositories and tags) and, where the bytes are plain files, their location so
 * blobs are sent with positional reads straight from the file.
 */
public interface ServedContent extends Closeable {
  ContentStore store();

  /** The index.json entries (full source references in {@code org.opencontainers.image.ref.name}). */
  List<Descriptor> indexEntries() throws IOException;

  /** The blob's bytes on disk, or empty when it is not there. */
  Optional<BlobRegion> region(Digest digest) throws IOException;

  /**
   * Called before a {@code Range} of a blob without a region is sent: content that checks blobs while streaming
   * them (a delta's bases) checks the whole blob here first. Nothing by default.
   */
  default void beforePartial(Digest digest, long length) throws IOException {}

  @Override
  default void close() throws IOException {
    store().close();
  }

  /** A layout directory as is. */
  static ServedContent layout(LayoutStore store) {
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
      public Optional<BlobRegion> region(Digest digest) throws IOException {
        Path p = store.blobPath(digest);
        return Files.isRegularFile(p) ? Optional.of(BlobRegion.ofFile(p, Files.size(p))) : Optional.empty();
      }
    };
  }

  /**
   * Opens a layout directory or a bundle tarball.
   *
   * @throws InvalidInputException when {@code path} is neither
   */
  static ServedContent open(Path path) throws IOException {
    return open(path, -1);
  }

  /**
   * As {@link #open(Path)}, for a bundle already verified: {@code expandedBound} is the verification's bound of
   * its tarball (-1: not known, so a compressed bundle is scanned for it first).
   */
  static ServedContent open(Path path, long expandedBound) throws IOException {
    if (Files.isDirectory(path) && !dev.airlock.bundle.parts.PartSet.isPartSet(path)) {
      return layout(LayoutStore.open(path));
    }
    if (Files.isRegularFile(path) || dev.airlock.bundle.parts.PartSet.isPartSet(path)) { // a tarball, or a set of parts read in place
      return BundleTarballs.served(path, expandedBound);
    }
    throw new InvalidInputException(path + " does not exist (expected a bundle tarball or an OCI layout directory)");
  }
}
