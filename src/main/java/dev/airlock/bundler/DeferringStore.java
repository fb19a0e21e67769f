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
 *
 * <p>For a delta ({@code bundle --since}), a blob of any size that every base holds is noted too, not fetched:
 * once the delta's selection is known, {@link #settle} fetches those it must carry all the same (a referrer's
 * blobs), and the others are never fetched at all.
 */
final class DeferringStore extends ForwardingStore {
  /** Blobs above this go straight into the tarball; SBOMs the catalog reads are never above it. */
  static final long DEFER_ABOVE = SbomPackages.CAP;

  private final LayoutStore work;
  private final long deferAbove;
  private final LeaveOut leaveOut;
  private final Map<Digest, Deferred> deferred = new ConcurrentHashMap<>();
  /** Noted only because every base of the delta holds them (any size). */
  private final Map<Digest, Deferred> forDelta = new ConcurrentHashMap<>();

  /** Whether a blob may be left out of the delta (every base holds it with this size). */
  @FunctionalInterface
  interface LeaveOut {
    boolean test(Descriptor blob) throws IOException;

    LeaveOut NEVER = b -> false;
  }

  /** A blob to fetch later. */
  record Deferred(Descriptor blob, BlobSource source) {}

  DeferringStore(LayoutStore work) {
    this(work, DEFER_ABOVE, LeaveOut.NEVER);
  }

  /**
   * @param deferAbove blobs larger than this are noted (Long.MAX_VALUE: none for their size alone)
   * @param leaveOut blobs a delta may leave out, noted whatever their size
   */
  DeferringStore(LayoutStore work, long deferAbove, LeaveOut leaveOut) {
    super(work);
    this.work = work;
    this.deferAbove = deferAbove;
    this.leaveOut = leaveOut;
  }

  /** What {@link #settle} did. */
  record Settled(int leftOutUnfetched, long leftOutUnfetchedBytes, int fetchedNow) {}

  /**
   * Once the delta's selection is known: a blob noted for the delta that it carries all the same is fetched into
   * the working layout now (verified), unless it is large and large blobs go into the tarball from their source;
   * those left out stay noted, never fetched.
   */
  Settled settle(java.util.Set<Digest> leftOut) throws IOException {
    int unfetched = 0;
    long unfetchedBytes = 0;
    int now = 0;
    for (Deferred d : deferred.values()) { // noted, large or for the delta, and left out: never fetched
      if (leftOut.contains(d.blob().digest())) {
        unfetched++;
        unfetchedBytes += d.blob().size();
      }
    }
    for (Deferred d : new java.util.TreeMap<>(forDelta).values()) {
      Descriptor b = d.blob();
      if (!leftOut.contains(b.digest()) && b.size() <= deferAbove) {
        work.putBlob("", b, d.source());
        deferred.remove(b.digest());
        now++;
      }
    }
    forDelta.clear();
    return new Settled(unfetched, unfetchedBytes, now);
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
    boolean large = blob.size() > deferAbove;
    if ((large || leaveOut.test(blob)) && !work.hasBlob(repository, blob.digest())) {
      Deferred d = new Deferred(blob, content);
      if (deferred.putIfAbsent(blob.digest(), d) == null && !large) {
        forDelta.put(blob.digest(), d);
      }
      return;
    }
    work.putBlob(repository, blob, content);
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    work.putManifest(repository, manifest, tag, deferred::containsKey);
  }
}
