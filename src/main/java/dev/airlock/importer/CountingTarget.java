package dev.airlock.importer;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The target as the import sees it: counts what is pushed, skipped and mounted, mounts a blob already
 * uploaded to another repository instead of uploading it again, and does not push a manifest the target
 * already holds (same tag, same digest; a referrer already listed). That is what makes a re-run push
 * only what is missing, and nothing after a success.
 */
final class CountingTarget extends ForwardingStore {
  private final BlobMounter mounter;
  /** digest -> a repository of the target known to hold it. */
  private final Map<Digest, String> holders = new ConcurrentHashMap<>();
  private final Map<Digest, Object> locks = new ConcurrentHashMap<>();
  private final Set<String> skipped = ConcurrentHashMap.newKeySet();
  private final Set<Digest> uploadedHere = ConcurrentHashMap.newKeySet();
  private volatile boolean counting;
  final AtomicLong uploaded = new AtomicLong();
  final AtomicLong uploadedBytes = new AtomicLong();
  final AtomicLong mounted = new AtomicLong();
  final AtomicLong mountedBytes = new AtomicLong();
  final AtomicLong skippedBytes = new AtomicLong();
  final AtomicLong manifestsPushed = new AtomicLong();
  final AtomicLong manifestsSkipped = new AtomicLong();

  CountingTarget(ContentStore delegate, BlobMounter mounter) {
    super(delegate);
    this.mounter = mounter;
  }

  /** From now on, blobs found present count as skipped (before: the plan only learns where blobs are). */
  void startCounting() {
    counting = true;
  }

  long skippedBlobs() {
    return skipped.size();
  }

  /** A repository of the target known to hold {@code digest}, or null. */
  String holder(Digest digest) {
    return holders.get(digest);
  }

  /**
   * A blob uploaded around this store ({@link StagingTarget}) is now in {@code repository}: counted as pushed;
   * its bytes count only when {@code sentByThisRun} (a session an earlier run left open sent none now).
   */
  void committed(String repository, Descriptor blob, boolean sentByThisRun) {
    uploadedHere.add(blob.digest());
    uploaded.incrementAndGet();
    if (sentByThisRun) {
      uploadedBytes.addAndGet(blob.size());
    }
    holders.putIfAbsent(blob.digest(), repository);
  }

  /** The target's answer, not noted (a delta's pre-check of blobs in the repository that needs them). */
  OptionalLong blobSizeUnnoted(String repository, Digest digest) throws IOException {
    return delegate.blobSize(repository, digest);
  }

  /** {@code repository} of the target was found to hold {@code digest}: a push to another mounts it from there. */
  void holderFound(Digest digest, String repository) {
    holders.putIfAbsent(digest, repository);
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    OptionalLong s = delegate.blobSize(repository, digest);
    if (s.isPresent()) {
      holders.putIfAbsent(digest, repository);
      if (counting && !uploadedHere.contains(digest) && skipped.add(repository + "@" + digest)) {
        skippedBytes.addAndGet(s.getAsLong());
      }
    }
    return s;
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    Object lock = locks.computeIfAbsent(blob.digest(), d -> new Object());
    synchronized (lock) { // the same blob for two repositories: upload once, then mount
      String holder = holders.get(blob.digest());
      if (holder != null && !holder.equals(repository) && mounter != null
          && mounter.mount(repository, blob.digest(), holder)) {
        mounted.incrementAndGet();
        mountedBytes.addAndGet(blob.size());
        return;
      }
      if (holder != null && holder.equals(repository) && delegate.hasBlob(repository, blob.digest())) {
        return;
      }
      delegate.putBlob(repository, blob, content);
      uploadedHere.add(blob.digest());
      uploaded.incrementAndGet();
      uploadedBytes.addAndGet(blob.size());
      holders.putIfAbsent(blob.digest(), repository);
    }
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    if (alreadyThere(repository, manifest, tag)) {
      manifestsSkipped.incrementAndGet();
      return;
    }
    delegate.putManifest(repository, manifest, tag);
    manifestsPushed.incrementAndGet();
  }

  private boolean alreadyThere(String repository, RawManifest manifest, String tag) throws IOException {
    if (tag != null) {
      Optional<Descriptor> d = delegate.resolve(repository, tag);
      return d.isPresent() && d.get().digest().equals(manifest.digest());
    }
    if (manifest.subject() != null) {
      return delegate.referrers(repository, manifest.subject().digest(), null).stream()
          .anyMatch(r -> r.digest().equals(manifest.digest()));
    }
    return delegate.resolve(repository, manifest.digest().toString()).isPresent();
  }
}
