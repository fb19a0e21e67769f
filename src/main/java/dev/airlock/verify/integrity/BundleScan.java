package dev.airlock.verify.integrity;

import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one pass over a bundle tarball found: every blob with its (verified) size, and a temporary OCI
 * layout holding index.json, the manifests and other small JSON blobs, and the catalog. Closing deletes
 * the temporary layout.
 */
public final class BundleScan implements Closeable {
  final Path bundle;
  private final Path tempParent;
  private Path spool;
  final Map<Digest, Long> blobs = new HashMap<>();
  final Set<String> names = new HashSet<>();
  final Set<String> directories = new HashSet<>();
  final Set<String> blobDirectories = new HashSet<>();
  final Map<Digest, Long> deferred = new HashMap<>();
  byte[] layoutFile;
  byte[] indexBytes;
  final Map<Path, Digest> fileDigests = new java.util.concurrent.ConcurrentHashMap<>();
  private LayoutStore store;

  BundleScan(Path bundle, Path tempParent) {
    this.bundle = bundle;
    this.tempParent = tempParent;
  }

  /**
   * The temporary layout directory, created when first needed: a bundle refused by its header walk never
   * touches the disk.
   */
  synchronized Path spool() throws IOException {
    if (spool == null) {
      // named for this process: deleted at exit, or by a later run once this process is gone (kill -9)
      Path dir = dev.airlock.files.OwnedTempDirs.create(tempParent, "airlock-verify-");
      spool = dir;
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.createDirectories(dir.resolve("blobs/sha512"));
    }
    return spool;
  }

  /** The temporary layout directory if it was created, else null. */
  synchronized Path spoolIfCreated() {
    return spool;
  }

  public Path bundle() {
    return bundle;
  }

  /** Every blob in the tar with its size; all digests were checked, except those {@link #deferred()}. */
  public Map<Digest, Long> blobs() {
    return Collections.unmodifiableMap(blobs);
  }

  /**
   * The blobs the scan was asked not to hash (layers at or above a size), with their sizes: whoever
   * relies on them must hash them first. Empty unless the scan deferred hashing.
   */
  public Map<Digest, Long> deferred() {
    return Collections.unmodifiableMap(deferred);
  }

  /**
   * The SHA-256 of each file the bundle is read from, as on disk (the tarball, compressed when it is, or each
   * part file of a set), for the checksum file beside it; empty when it was not asked for.
   */
  public Map<Path, Digest> fileDigests() {
    return Collections.unmodifiableMap(fileDigests);
  }

  /** The spooled file of a small blob (a manifest, JSON, the catalog), or null when it was not kept. */
  public Path spooled(Digest d) {
    Path dir = spoolIfCreated();
    if (dir == null) {
      return null;
    }
    Path p = dir.resolve(d.blobPath());
    return Files.isRegularFile(p) ? p : null;
  }

  /** The temporary layout as a content store (manifests and small blobs only; layers are absent). */
  public synchronized LayoutStore store() throws IOException {
    if (store == null) {
      store = LayoutStore.open(spool());
    }
    return store;
  }

  @Override
  public void close() throws IOException {
    Path dir = spoolIfCreated();
    if (dir != null) {
      dev.airlock.files.OwnedTempDirs.delete(dir);
    }
  }
}
