package dev.airlock.importer;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The target as the import sees it: counts what is pushed, skipped and mounted, mounts a blob already
 * uploaded to another repository instead of uploading it again, and does not push a manifest the target
 * already holds (same tag, same digest; a referrer already listed). That is what makes a re-run push
 * only what is missing, and nothing after a success.
 */
final class CountingTarget extends ForwardingStore {
  private final BlobMounter mounter;
  /**
   * digest -> a repository of the target known to hold it; the blobs skipped (repository@digest); the blobs this
   * run uploaded. On disk (temporary SQLite databases), so a push of 100,000 blobs does not hold 100,000 entries.
   */
  private final dev.airlock.delta.SpillSet holders = dev.airlock.delta.SpillSet.create("holders");
  private final dev.airlock.delta.SpillSet skipped = dev.airlock.delta.SpillSet.create("skipped");
  private final dev.airlock.delta.SpillSet uploadedHere = dev.airlock.delta.SpillSet.create("uploaded");
  /**
   * What the plan found missing ("absent repository@digest"), and what this run has since put there ("put
   * repository@digest"): the push does not ask the target again about a blob the plan found missing and this
   * run has not put (were it put meanwhile by someone else, it is only sent again).
   */
  private final dev.airlock.delta.SpillSet planned = dev.airlock.delta.SpillSet.create("planned");
  /** The same blob for two repositories is uploaded once: a lock per digest, striped (a fixed number). */
  private final Object[] locks = new Object[256];
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
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  /** Deletes the temporary databases (the delegate stays open: its opener closes it). */
  @Override
  public void close() {
    holders.close();
    skipped.close();
    uploadedHere.close();
    planned.close();
  }

  private Object lock(Digest d) {
    return locks[Math.floorMod(d.hex().hashCode(), locks.length)];
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
    String h = holders.get(digest.toString());
    return h == null || h.isEmpty() ? null : h;
  }

  /**
   * A blob uploaded around this store ({@link StagingTarget}) is now in {@code repository}: counted as pushed;
   * its bytes count only when {@code sentByThisRun} (a session an earlier run left open sent none now).
   */
  void committed(String repository, Descriptor blob, boolean sentByThisRun) {
    planned.add("put " + repository + "@" + blob.digest());
    uploadedHere.add(blob.digest().toString());
    uploaded.incrementAndGet();
    if (sentByThisRun) {
      uploadedBytes.addAndGet(blob.size());
    }
    holders.put(blob.digest().toString(), repository);
  }

  /** The target's answer, not noted (a delta's pre-check of blobs in the repository that needs them). */
  OptionalLong blobSizeUnnoted(String repository, Digest digest) throws IOException {
    return delegate.blobSize(repository, digest);
  }

  /** {@code repository} of the target was found to hold {@code digest}: a push to another mounts it from there. */
  void holderFound(Digest digest, String repository) {
    holders.put(digest.toString(), repository);
  }

  /** The plan found {@code digest} missing in {@code repository}, and nothing of this run has put it there since. */
  boolean knownMissing(String repository, Digest digest) {
    String k = repository + "@" + digest;
    return planned.contains("absent " + k) && !planned.contains("put " + k) && !uploadedHere.contains(digest.toString());
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    if (counting && knownMissing(repository, digest)) {
      return OptionalLong.empty(); // the plan asked: missing (HEAD requests are most of a small import's)
    }
    OptionalLong s = delegate.blobSize(repository, digest);
    if (s.isEmpty() && !counting) {
      planned.add("absent " + repository + "@" + digest);
    }
    if (s.isPresent()) {
      holders.put(digest.toString(), repository);
      if (counting && !uploadedHere.contains(digest.toString()) && skipped.add(repository + "@" + digest)) {
        skippedBytes.addAndGet(s.getAsLong());
      }
    }
    return s;
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    synchronized (lock(blob.digest())) { // the same blob for two repositories: upload once, then mount
      String holder = holder(blob.digest());
      if (holder != null && !holder.equals(repository) && mounter != null
          && mounter.mount(repository, blob.digest(), holder)) {
        planned.add("put " + repository + "@" + blob.digest());
        mounted.incrementAndGet();
        mountedBytes.addAndGet(blob.size());
        return;
      }
      if (holder != null && holder.equals(repository) && delegate.hasBlob(repository, blob.digest())) {
        return;
      }
      if (holder == null && knownMissing(repository, blob.digest()) && delegate instanceof RegistryStore r) {
        r.uploadBlob(repository, blob, content); // without asking again first: the plan found it missing
      } else {
        delegate.putBlob(repository, blob, content);
      }
      planned.add("put " + repository + "@" + blob.digest());
      uploadedHere.add(blob.digest().toString());
      uploaded.incrementAndGet();
      uploadedBytes.addAndGet(blob.size());
      holders.put(blob.digest().toString(), repository);
    }
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    if (alreadyThere(repository, manifest, tag)) {
      manifestsSkipped.incrementAndGet();
      return;
    }
    delegate.putManifest(repository, manifest, tag);
    planned.add("manifest " + repository + "@" + manifest.digest());
    manifestsPushed.incrementAndGet();
  }

  /**
   * The manifest cannot be in {@code repository} yet: a blob it references was missing there when the plan asked,
   * or (an index) a manifest it lists was pushed there by this run. A registry takes a manifest only once what it
   * references is there, so it needs no question; were one there all the same, putting the same bytes again
   * changes nothing.
   */
  private boolean cannotBeThere(String repository, RawManifest manifest) {
    if (!counting) {
      return false;
    }
    for (Descriptor c : manifest.children()) {
      String k = repository + "@" + c.digest();
      if (planned.contains((manifest.isIndex() ? "manifest " : "absent ") + k)) {
        return true;
      }
    }
    return false;
  }

  private boolean alreadyThere(String repository, RawManifest manifest, String tag) throws IOException {
    if (cannotBeThere(repository, manifest)) {
      return false;
    }
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
