package dev.airlock.bundler;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ForwardingStore;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The working layout as the export's graph walk sees it: manifests and small blobs are stored in it, but a
 * large blob is only <em>noted</em> with its source, to be fetched later straight into its slot of the
 * bundle tarball ({@link dev.airlock.bundle.TarAssembly}). Noted blobs count as present, so each is noted
 * once however many images share it. Reading a noted blob opens its source (verified).
 */
final class DeferringStore extends ForwardingStore {
  /** Blobs above this go straight into the tarball; SBOMs the catalog reads are never above it. */
  static final long DEFER_ABOVE = SbomPackages.CAP;

  private final LayoutStore work;
  private final Map<Digest, Deferred> deferred = new ConcurrentHashMap<>();

  /** A blob to fetch later. */
  record Deferred(Descriptor blob, BlobSource source) {}

  DeferringStore(LayoutStore work) {
    super(work);
    this.work = work;
  }

  /** The noted blobs (digest to source), to fetch into the tarball. */
  Map<Digest, Deferred> deferred() {
    return deferred;
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    Deferred d = deferred.get(digest);
    return d != null ? OptionalLong.of(d.blob().size()) : work.blobSize(repository, digest);
  }

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    Deferred d = deferred.get(blob.digest());
    if (d == null) {
      return work.openBlob(repository, blob);
    }
    return VerifyingInputStream.of(d.source().open(), blob.digest(), blob.size(), "blob " + blob.digest());
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    if (blob.size() > DEFER_ABOVE && !work.hasBlob(repository, blob.digest())) {
      deferred.putIfAbsent(blob.digest(), new Deferred(blob, content));
      return;
    }
    work.putBlob(repository, blob, content);
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    work.putManifest(repository, manifest, tag, deferred::containsKey);
  }
}
