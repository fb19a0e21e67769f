package dev.airlock.importer;

import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.registry.RegistryStore;
import dev.airlock.registry.StagedUpload;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import dev.airlock.verify.integrity.ParallelChecks;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The import's push into a registry when the verification left the layers unhashed
 * ({@link BundleVerifier.Outcome#deferred()}): each layer is hashed once, while it is uploaded, and nothing
 * is committed before every layer of the bundle has hashed to its digest.
 *
 * <p>While a {@link dev.airlock.transfer.GraphCopier} walks the bundle into this store, a layer is sent
 * into an upload session that stays open ({@link StagedUpload}); everything else it is asked to put (small
 * blobs, the same layer for another repository, manifests) is written down. {@link #commit} then hashes
 * the layers no upload read (those the registry already has), commits the sessions, and only then puts
 * what was written down, in the order it was asked for (a manifest after everything it references).
 * {@link #abandon} cancels the sessions (the registry has received nothing it keeps), or, when the import
 * failed for another reason than a corrupted layer, keeps them for the next run: the {@link Sessions} note
 * each session once all its bytes are sent and hashed, and a later import continues a session the registry
 * still holds in full instead of sending the layer again (it hashes the layer from the bundle instead).
 */
final class StagingTarget extends ForwardingStore {
  private final CountingTarget counted;
  private final RegistryStore registry;
  private final ContentStore bundle;
  private final Map<Digest, Long> deferred;
  private final int parallelism;
  private final Sessions sessions;
  private final java.util.concurrent.atomic.AtomicInteger resumed = new java.util.concurrent.atomic.AtomicInteger();
  private final Set<Digest> claimed = ConcurrentHashMap.newKeySet();
  private final Set<Digest> hashed = ConcurrentHashMap.newKeySet();
  private final List<StagedUpload> staged = new ArrayList<>();
  private final List<BlobPut> blobs = Collections.synchronizedList(new ArrayList<>());
  private final List<ManifestPut> manifests = Collections.synchronizedList(new ArrayList<>());
  private boolean abandoned;
  private boolean keep;

  /** Where open sessions are noted between runs (the import history); {@link #NONE} keeps nothing. */
  interface Sessions {
    /** The session URL an earlier run left for this blob in this repository. */
    java.util.Optional<String> find(String repository, Descriptor blob);

    void remember(StagedUpload upload);

    /** Drops the notes of these sessions (committed, cancelled, or gone from the registry). */
    void forget(List<StagedUpload> uploads);

    /** Whether remembered sessions outlive this run. */
    default boolean persistent() {
      return true;
    }

    Sessions NONE = new Sessions() {
      @Override
      public java.util.Optional<String> find(String repository, Descriptor blob) {
        return java.util.Optional.empty();
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

  private record ManifestPut(String repository, RawManifest manifest, String tag) {}

  /**
   * @param bundle where a deferred layer no upload reads is hashed from
   * @param deferred the layers the verification did not hash (digest to size)
   */
  StagingTarget(CountingTarget counted, RegistryStore registry, ContentStore bundle, Map<Digest, Long> deferred,
      int parallelism, Sessions sessions) {
    super(counted);
    this.counted = counted;
    this.registry = registry;
    this.bundle = bundle;
    this.deferred = Map.copyOf(deferred);
    this.parallelism = Math.max(1, parallelism);
    this.sessions = sessions;
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    Digest d = blob.digest();
    // a layer no repository of the target holds yet is sent now, once; the rest waits for the commit
    if (deferred.containsKey(d) && counted.holder(d) == null && claimed.add(d)) {
      StagedUpload u = resume(repository, blob);
      boolean sent = u == null;
      if (sent) {
        try {
          u = registry.stage(repository, blob, content);
        } catch (DigestMismatchException e) {
          throw corrupted(d, e);
        }
        sessions.remember(u);
      }
      synchronized (this) {
        if (!abandoned) {
          staged.add(u);
          if (sent) {
            hashed.add(d);
          }
          return;
        }
        if (!keep) { // finished after the import failed: as abandon() decided
          registry.cancel(u);
          sessions.forget(List.of(u));
        }
      }
      throw new InterruptedIOException("the import stopped");
    }
    blobs.add(new BlobPut(repository, blob, content));
  }

  /** An earlier run's session for this layer, if the registry still holds all its bytes; else null. */
  private StagedUpload resume(String repository, Descriptor blob) {
    String location = sessions.find(repository, blob).orElse(null);
    if (location == null) {
      return null;
    }
    StagedUpload u = null;
    try {
      u = registry.resume(repository, blob, java.net.URI.create(location)).orElse(null);
    } catch (IOException | IllegalArgumentException e) {
      // not resumable: sent again
    }
    if (u == null) {
      sessions.forget(List.of(new StagedUpload(repository, blob, null)));
      return null;
    }
    sessions.remember(u); // the registry may have given a new location
    resumed.incrementAndGet();
    return u;
  }

  /** How many layers were not sent again because an earlier run's session still held them. */
  int resumed() {
    return resumed.get();
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) {
    manifests.add(new ManifestPut(repository, manifest, tag));
  }

  /**
   * Hashes every deferred layer no upload read (a {@link VerificationException} naming the first corrupted
   * one, with nothing committed), then commits the sessions, then puts the blobs and manifests written
   * down, through the counting target.
   */
  void commit() throws IOException {
    Map<Digest, Long> rest = new java.util.HashMap<>(deferred);
    rest.keySet().removeAll(hashed);
    hashAll(bundle, rest);
    List<StagedUpload> uploads;
    synchronized (this) {
      uploads = List.copyOf(staged); // each leaves the list once committed; abandon() cancels the rest
    }
    // each session's commit, then the same layer for other repositories (a mount now); the other blobs meanwhile
    Map<Digest, List<BlobPut>> after = new java.util.HashMap<>();
    uploads.forEach(u -> after.put(u.blob().digest(), new ArrayList<>()));
    List<BlobPut> independent = new ArrayList<>();
    for (BlobPut p : List.copyOf(blobs)) {
      after.getOrDefault(p.blob().digest(), independent).add(p);
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallelism, Futures.daemon("airlock-commit"));
    try {
      List<CompletableFuture<Void>> steps = new ArrayList<>();
      for (StagedUpload u : uploads) {
        steps.add(async(pool, () -> {
          registry.commit(u);
          synchronized (this) {
            staged.remove(u);
          }
          counted.committed(u.repository(), u.blob());
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
      List<StagedUpload> committed = new ArrayList<>(uploads);
      synchronized (this) {
        committed.removeAll(staged);
      }
      sessions.forget(committed);
    }
    // in the order they were asked for: a manifest comes after every manifest it references
    for (ManifestPut m : List.copyOf(manifests)) {
      counted.putManifest(m.repository(), m.manifest(), m.tag());
    }
  }

  /**
   * Hashes {@code layers} (digest to size) of {@code bundle} on every processor; a {@link VerificationException}
   * names the first that does not match.
   */
  static void hashAll(ContentStore bundle, Map<Digest, Long> layers) throws IOException {
    List<ParallelChecks.Job> jobs = new ArrayList<>();
    for (Map.Entry<Digest, Long> e : new java.util.TreeMap<>(layers).entrySet()) {
      Descriptor d = Descriptor.of("application/octet-stream", e.getKey(), e.getValue());
      jobs.add(new ParallelChecks.Job(e.getValue(), buf -> {
        try (InputStream in = VerifyingInputStream.of(bundle.openBlob("", d), d.digest(), d.size(), "blob " + d.digest())) {
          while (in.read(buf) >= 0) {
            // the stream checks size and digest at its end
          }
        } catch (DigestMismatchException ex) {
          throw corrupted(d.digest(), ex);
        }
      }));
    }
    ParallelChecks.run(jobs, ParallelChecks.defaultThreads());
  }

  /**
   * The import failed: no session is committed from now on. A corrupted layer ({@code corrupted}), or no
   * way to note sessions for a later run, cancels them (best effort); otherwise they stay open for the next
   * run to continue. A session still being sent ends as decided here. Returns the sessions kept.
   */
  int abandon(boolean corrupted) {
    List<StagedUpload> open;
    synchronized (this) {
      abandoned = true;
      keep = !corrupted && sessions.persistent();
      open = List.copyOf(staged);
      staged.clear();
    }
    if (keep) {
      return open.size();
    }
    open.parallelStream().forEach(registry::cancel);
    sessions.forget(open);
    return 0;
  }

  private static VerificationException corrupted(Digest d, DigestMismatchException e) {
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
