package dev.airlock.importer;

import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryStore;
import dev.airlock.registry.StagedUpload;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import dev.airlock.verify.integrity.ParallelChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The import's push into a registry when the verification left the layers unhashed
 * ({@link BundleVerifier.Outcome#deferred()}): each layer is hashed once, while it is uploaded, and nothing
 * is committed before every layer of the bundle has hashed to its digest.
 *
 * <p>While a {@link dev.airlock.transfer.GraphCopier} walks the bundle into this store, a layer is sent
 * into an upload session that stays open ({@link StagedUpload}); everything else it is asked to put (small
 * blobs, the same layer for another repository, manifests) is written down. {@link #commit} then hashes
 * the layers no upload read (those the target already holds, those an earlier run's session holds), commits
 * the sessions, and only then puts what was written down (a manifest after everything it references).
 *
 * <p>{@link #abandon} ends a failed import: when a layer was corrupted, or sessions cannot be noted for a
 * later run, it cancels them (the registry keeps nothing of this import); otherwise it leaves them open.
 * The {@link Sessions} note each session once all its bytes are sent and hashed, and a later import
 * continues a session the registry still holds in full instead of sending the layer again (it hashes the
 * layer from its bundle instead).
 */
final class StagingTarget extends ForwardingStore {
  /** The registry's upload sessions, as the staging uses them (a {@link RegistryStore} in production). */
  interface Uploads {
    StagedUpload stage(String repository, Descriptor blob, BlobSource content) throws IOException;

    Optional<StagedUpload> resume(String repository, Descriptor blob, URI location) throws IOException;

    void commit(StagedUpload upload) throws IOException;

    void cancel(StagedUpload upload);

    static Uploads of(RegistryStore registry) {
      return new Uploads() {
        @Override
        public StagedUpload stage(String repository, Descriptor blob, BlobSource content) throws IOException {
          return registry.stage(repository, blob, content);
        }

        @Override
        public Optional<StagedUpload> resume(String repository, Descriptor blob, URI location) throws IOException {
          return registry.resume(repository, blob, location);
        }

        @Override
        public void commit(StagedUpload upload) throws IOException {
          registry.commit(upload);
        }

        @Override
        public void cancel(StagedUpload upload) {
          registry.cancel(upload);
        }
      };
    }
  }

  /**
   * Where open sessions are noted between runs (the import history). Implementations never throw: a note
   * that cannot be written only costs a later run the chance to continue the session.
   */
  interface Sessions {
    /**
     * Takes (removes, so no concurrent import takes it too) an earlier run's note of a session holding this
     * blob in one of {@code repositories}.
     */
    Optional<StagedUpload> claim(Descriptor blob, Set<String> repositories);

    void remember(StagedUpload upload);

    /** Drops the notes of these sessions (committed, cancelled, or gone from the registry). */
    void forget(List<StagedUpload> uploads);

    /** Whether remembered sessions outlive this run. */
    default boolean persistent() {
      return true;
    }

    Sessions NONE = new Sessions() {
      @Override
      public Optional<StagedUpload> claim(Descriptor blob, Set<String> repositories) {
        return Optional.empty();
      }

      @Override
      public void remember(StagedUpload upload) {}

      @Override
      public void forget(List<StagedUpload> uploads) {}

      @Override
      public boolean persistent() {
        return false;
      }
    };
  }

  private record BlobPut(String repository, Descriptor blob, BlobSource content) {}

  /** A manifest to put; its bytes are read again from the bundle then, so memory does not hold them all. */
  private record ManifestPut(String repository, Digest digest, String tag) {}

  private final CountingTarget counted;
  private final ContentStore manifestTarget;
  private final Uploads uploads;
  private final ContentStore bundle;
  private final Map<Digest, Long> deferred;
  private final int parallelism;
  private final Sessions sessions;
  private final Set<String> repositories;
  private final Set<Digest> claimed = ConcurrentHashMap.newKeySet();
  private final Set<Digest> hashed = ConcurrentHashMap.newKeySet();
  private final List<StagedUpload> staged = new ArrayList<>();
  private final List<BlobPut> blobs = Collections.synchronizedList(new ArrayList<>());
  private final List<ManifestPut> manifests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger resumed = new AtomicInteger();
  private final AtomicReference<VerificationException> corruption = new AtomicReference<>();
  private boolean abandoned;

  /**
   * @param bundle where manifests are read again, and a deferred layer no upload reads is hashed from
   * @param deferred the layers the verification did not hash (digest to size)
   * @param repositories the import's target repositories: only a session in one of them is continued
   */
  StagingTarget(CountingTarget counted, Uploads uploads, ContentStore bundle, Map<Digest, Long> deferred,
      Set<String> repositories, int parallelism, Sessions sessions) {
    this(counted, counted, uploads, bundle, deferred, repositories, parallelism, sessions);
  }

  /**
   * @param manifestTarget where the manifests written down are put in the commit step: {@code counted}, or a
   *     store above it that decides what stands for a sparse index ({@link SparseIndexTarget})
   */
  StagingTarget(CountingTarget counted, ContentStore manifestTarget, Uploads uploads, ContentStore bundle,
      Map<Digest, Long> deferred, Set<String> repositories, int parallelism, Sessions sessions) {
    super(counted);
    this.counted = counted;
    this.manifestTarget = manifestTarget;
    this.uploads = uploads;
    this.bundle = bundle;
    this.deferred = Map.copyOf(deferred);
    this.parallelism = Math.max(1, parallelism);
    this.sessions = sessions;
    this.repositories = Set.copyOf(repositories);
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    Digest d = blob.digest();
    // a layer no repository of the target holds yet is sent now, once; the rest waits for the commit
    if (!deferred.containsKey(d) || counted.holder(d) != null || !claimed.add(d)) {
      blobs.add(new BlobPut(repository, blob, content));
      return;
    }
    StagedUpload earlier = resume(blob);
    if (earlier != null) {
      keep(earlier, false);
      if (!earlier.repository().equals(repository)) {
        blobs.add(new BlobPut(repository, blob, content)); // mounted from the session's repository once committed
      }
      return;
    }
    StagedUpload u;
    try {
      u = uploads.stage(repository, blob, content);
    } catch (DigestMismatchException e) {
      throw corrupted(d, e);
    }
    sessions.remember(u); // before keep(): a session cancelled there is forgotten after being noted
    keep(u, true);
  }

  private synchronized void keep(StagedUpload u, boolean sent) {
    // GraphCopier.copyAll returns only once every blob it started has ended, so nothing is staged after
    // abandon(); were it otherwise, the session would still be cancelled or kept like the others
    staged.add(u);
    if (sent) {
      hashed.add(u.blob().digest());
    }
    if (abandoned) {
      abandonNow(List.of(u));
    }
  }

  /** An earlier run's session for this layer, if the registry still holds all its bytes; else null. */
  private StagedUpload resume(Descriptor blob) {
    StagedUpload note = sessions.claim(blob, repositories).orElse(null);
    if (note == null) {
      return null;
    }
    StagedUpload u;
    try {
      u = uploads.resume(note.repository(), blob, note.location()).orElse(null);
    } catch (IOException e) {
      return null; // the registry did not answer: the note is dropped, the layer sent again
    }
    if (u == null) {
      uploads.cancel(note); // gone or incomplete: best effort, so an incomplete one does not wait for the purge
      return null;
    }
    sessions.remember(u); // the registry may have given a new location
    resumed.incrementAndGet();
    return u;
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) {
    manifests.add(new ManifestPut(repository, manifest.digest(), tag));
  }

  /** Layers not sent again because an earlier run's session still held them. */
  int resumed() {
    return resumed.get();
  }

  /** Layers hashed while this run uploaded them. */
  int hashedWhileUploading() {
    return hashed.size();
  }

  /** The first layer found corrupted, or null. */
  VerificationException corruption() {
    return corruption.get();
  }

  /**
   * Hashes every deferred layer no upload read (a {@link VerificationException} naming the first corrupted
   * one, with nothing committed), then commits the sessions, then puts the blobs and manifests written
   * down, through the counting target.
   */
  void commit() throws IOException {
    Map<Digest, Long> rest = new HashMap<>(deferred);
    rest.keySet().removeAll(hashed);
    try {
      hashAll(bundle, rest);
    } catch (VerificationException e) {
      corruption.compareAndSet(null, e);
      throw e;
    }
    List<StagedUpload> open;
    synchronized (this) {
      open = List.copyOf(staged); // each leaves the list once committed; abandon() ends the rest
    }
    // each session's commit, then the same layer for other repositories (a mount now); the other blobs meanwhile
    Map<Digest, List<BlobPut>> after = new HashMap<>();
    open.forEach(u -> after.put(u.blob().digest(), new ArrayList<>()));
    List<BlobPut> independent = new ArrayList<>();
    for (BlobPut p : List.copyOf(blobs)) {
      after.getOrDefault(p.blob().digest(), independent).add(p);
    }
    List<StagedUpload> committed = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, Futures.daemon("airlock-commit"));
    try {
      List<CompletableFuture<Void>> steps = new ArrayList<>();
      for (StagedUpload u : open) {
        steps.add(async(pool, () -> {
          uploads.commit(u);
          synchronized (this) {
            staged.remove(u);
          }
          committed.add(u);
          counted.committed(u.repository(), u.blob(), hashed.contains(u.blob().digest())); // hashed: sent now
          for (BlobPut p : after.get(u.blob().digest())) {
            counted.putBlob(p.repository(), p.blob(), p.content());
          }
        }));
      }
      for (BlobPut p : independent) {
        steps.add(async(pool, () -> counted.putBlob(p.repository(), p.blob(), p.content())));
      }
      Futures.join(CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)));
    } finally {
      pool.shutdownNow();
      sessions.forget(List.copyOf(committed));
    }
    putManifests();
  }

  /**
   * Puts the manifests written down, {@code parallelism} at a time. Each waits only for the earlier ones it
   * needs in its repository: the manifests an index lists, a referrer's subject, and an earlier put of the
   * same tag (so the tag ends where it would have). An index therefore still never reaches the registry
   * before its children. After the first failure no further put starts; the ones under way finish, then
   * that failure is thrown. The bytes are read again from the bundle as each goes, not held.
   */
  private void putManifests() throws IOException {
    // what each one waits for, all read before the first put, so a bad read cannot leave puts running
    List<ManifestPut> order = List.copyOf(manifests); // in the order met: children before their index
    List<List<String>> needs = new ArrayList<>();
    for (ManifestPut m : order) {
      RawManifest raw = bundle.getManifest("", m.digest().toString());
      List<String> keys = new ArrayList<>();
      raw.manifests().forEach(c -> keys.add(m.repository() + "@" + c.digest()));
      if (raw.subject() != null) {
        keys.add(m.repository() + "@" + raw.subject().digest());
      }
      if (m.tag() != null) {
        keys.add(m.repository() + ":" + m.tag());
      }
      needs.add(keys);
    }
    AtomicReference<Throwable> failed = new AtomicReference<>();
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, Futures.daemon("airlock-manifests"));
    List<CompletableFuture<Void>> puts = new ArrayList<>();
    try {
      Map<String, CompletableFuture<Void>> done = new HashMap<>(); // "repo@digest" and "repo:tag"
      for (int i = 0; i < order.size(); i++) {
        ManifestPut m = order.get(i);
        CompletableFuture<?>[] before = needs.get(i).stream().map(done::get).filter(f -> f != null)
            .toArray(CompletableFuture[]::new);
        CompletableFuture<Void> put = CompletableFuture.allOf(before).thenCompose(v -> async(pool, () -> {
          if (failed.get() != null) {
            throw new CancellationException("an earlier manifest put failed");
          }
          try {
            manifestTarget.putManifest(m.repository(), bundle.getManifest("", m.digest().toString()), m.tag());
          } catch (Throwable e) {
            failed.compareAndSet(null, e);
            throw e;
          }
        }));
        done.putIfAbsent(m.repository() + "@" + m.digest(), put);
        if (m.tag() != null) {
          done.put(m.repository() + ":" + m.tag(), put);
        }
        puts.add(put);
      }
    } finally {
      // every put started has ended (its failure, if any, is in failed) before this returns or throws
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
      pool.shutdownNow();
    }
    if (failed.get() != null) {
      throw Futures.rethrow(failed.get());
    }
    Futures.join(CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new))); // all done: at once
  }

  /**
   * Hashes {@code layers} (digest to size) of {@code bundle} on every processor; a {@link VerificationException}
   * names the first that does not match.
   */
  static void hashAll(ContentStore bundle, Map<Digest, Long> layers) throws IOException {
    List<ParallelChecks.Job> jobs = new ArrayList<>();
    for (Map.Entry<Digest, Long> e : new TreeMap<>(layers).entrySet()) {
      Descriptor d = Descriptor.of("application/octet-stream", e.getKey(), e.getValue());
      ParallelChecks.Job read = ParallelChecks.readToEnd(bundle, d);
      jobs.add(new ParallelChecks.Job(read.weight(), buf -> {
        try {
          read.check().run(buf);
        } catch (DigestMismatchException ex) {
          throw corruptedLayer(d.digest(), ex);
        }
      }));
    }
    ParallelChecks.run(jobs, ParallelChecks.defaultThreads());
  }

  /**
   * The bundle failed a check as a whole before {@link #commit} (its checksum file): as after a corrupted layer,
   * nothing is committed and {@link #abandon} cancels the sessions.
   */
  void refuse(VerificationException e) {
    corruption.compareAndSet(null, e);
  }

  /**
   * The import failed: no session is committed from now on. After a corrupted layer, or without a way to
   * note sessions for a later run, the open sessions are cancelled (best effort); otherwise they stay open
   * for the next run to continue. Returns how many stay open.
   */
  int abandon() {
    List<StagedUpload> open;
    synchronized (this) {
      abandoned = true;
      open = List.copyOf(staged);
      staged.clear();
    }
    return abandonNow(open);
  }

  private int abandonNow(List<StagedUpload> open) {
    if (corruption.get() == null && sessions.persistent()) {
      return open.size();
    }
    open.parallelStream().forEach(uploads::cancel);
    sessions.forget(open);
    return 0;
  }

  private VerificationException corrupted(Digest d, DigestMismatchException e) {
    VerificationException v = corruptedLayer(d, e);
    corruption.compareAndSet(null, v);
    return v;
  }

  private static VerificationException corruptedLayer(Digest d, DigestMismatchException e) {
    return new VerificationException("blob " + d + " is corrupted (" + e.getMessage() + ")", e);
  }

  @FunctionalInterface
  private interface Step {
    void run() throws IOException;
  }

  private static CompletableFuture<Void> async(ExecutorService pool, Step step) {
    return CompletableFuture.runAsync(() -> {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, pool);
  }
}
