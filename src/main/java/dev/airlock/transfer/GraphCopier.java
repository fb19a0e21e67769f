package dev.airlock.transfer;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.ContentStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies an image, index or artifact with everything it references, and optionally its referrers
 * (recursively: a signature on an SBOM comes too), from one content store to another. Manifest bytes are
 * copied as received, so every digest is preserved. Blobs move in parallel, and each blob is moved at
 * most once per copier, however many images share it: one copier serves a whole bundle or import.
 *
 * <p>With a platform filter, an index keeps its original bytes (its digest and signatures stay valid);
 * only the selected children are copied, and the absent ones are reported in the {@link GraphRecord}.
 */
public final class GraphCopier implements Closeable {
  /**
   * Copy options. An empty platform list means all platforms. {@code leaveOutAbsentChildren}: a child of an
   * index that the source does not hold is left out as if a platform filter had left it out (a bundle
   * made with a platform filter, whose verification has checked that exactly the recorded children are
   * absent); otherwise reading it fails the copy.
   */
  public record Options(List<Platform> platforms, boolean referrers, boolean cosignTags, int parallelism,
      ProgressListener progress, boolean leaveOutAbsentChildren) {
    public Options {
      platforms = platforms == null ? List.of() : List.copyOf(platforms);
      progress = progress == null ? ProgressListener.NONE : progress;
      parallelism = Math.max(1, parallelism);
    }

    public Options(List<Platform> platforms, boolean referrers, boolean cosignTags, int parallelism,
        ProgressListener progress) {
      this(platforms, referrers, cosignTags, parallelism, progress, false);
    }

    public static Options defaults() {
      return new Options(List.of(), true, true, defaultParallelism(), ProgressListener.NONE);
    }

    public Options withPlatforms(List<Platform> p) {
      return new Options(p, referrers, cosignTags, parallelism, progress, leaveOutAbsentChildren);
    }

    public Options withReferrers(boolean r) {
      return new Options(platforms, r, cosignTags, parallelism, progress, leaveOutAbsentChildren);
    }

    public Options withProgress(ProgressListener l) {
      return new Options(platforms, referrers, cosignTags, parallelism, l, leaveOutAbsentChildren);
    }

    public Options withParallelism(int n) {
      return new Options(platforms, referrers, cosignTags, n, progress, leaveOutAbsentChildren);
    }

    public Options withAbsentChildrenLeftOut(boolean b) {
      return new Options(platforms, referrers, cosignTags, parallelism, progress, b);
    }
  }

  /** Blobs in flight: network-bound, so more than the core count; 8 suits a 2-core machine. */
  public static int defaultParallelism() {
    return Math.max(4, Math.min(16, Runtime.getRuntime().availableProcessors() * 4));
  }

  private static final String[] COSIGN_SUFFIXES = {".sig", ".att", ".sbom"};

  private final ContentStore dst;
  private final Options options;
  private final ExecutorService pool;
  // keyed by destination repository and digest: a registry links blobs and manifests per repository, so
  // content shared by two repositories must reach both (the destination skips, or mounts, the second)
  private final Map<String, CompletableFuture<Boolean>> blobs = new ConcurrentHashMap<>();
  // keyed like blobs; completed once the manifest is in the destination, so a walk that meets a manifest
  // another walk is putting waits for it before putting a parent that refers to it
  private final Map<String, CompletableFuture<Void>> manifestsPut = new ConcurrentHashMap<>();
  private final Set<String> referrersVisited = ConcurrentHashMap.newKeySet();

  public GraphCopier(ContentStore dst, Options options) {
    this.dst = dst;
    this.options = options;
    this.pool = Executors.newFixedThreadPool(options.parallelism(), dev.airlock.Futures.daemon("airlock-blob"));
  }

  /**
   * Copies {@code srcRef} (a tag or digest in {@code srcRepo}) into {@code dstRepo}, tagged {@code dstTag}
   * (null for digest-only), with its referrers when the options say so.
   */
  public GraphRecord copy(ContentStore src, String srcRepo, String srcRef, String dstRepo, String dstTag)
      throws IOException {
    return copy(new Job(src, srcRepo, srcRef, dstRepo, dstTag, options.platforms()));
  }

  /**
   * One root to copy. {@code platforms}: this root's platform filter (empty = all; null = the options').
   */
  public record Job(ContentStore src, String srcRepo, String srcRef, String dstRepo, String dstTag,
      List<Platform> platforms, long weight) {
    public Job {
      platforms = platforms == null ? null : List.copyOf(platforms);
    }

    public Job(ContentStore src, String srcRepo, String srcRef, String dstRepo, String dstTag,
        List<Platform> platforms) {
      this(src, srcRepo, srcRef, dstRepo, dstTag, platforms, 0);
    }

    /**
     * The same job with a weight (e.g. its bytes): {@link #copyAll} starts heavier roots first, so the
     * last ones to finish are small and the transfers stay parallel to the end.
     */
    public Job withWeight(long w) {
      return new Job(src, srcRepo, srcRef, dstRepo, dstTag, platforms, w);
    }
  }

  /** Copies one root: {@link #copy(ContentStore, String, String, String, String)} with a per-job filter. */
  public GraphRecord copy(Job job) throws IOException {
    RawManifest root = job.src().getManifest(job.srcRepo(), job.srcRef());
    Walk walk = new Walk(job.src(), job.srcRepo(), job.dstRepo());
    walk.copyTree(root, null, job.platforms() == null ? options.platforms() : job.platforms(), job.dstTag());
    if (options.referrers()) {
      walk.copyReferrersOf(new ArrayList<>(walk.copiedManifests));
    }
    return new GraphRecord(root.descriptor(), walk.manifests, walk.children, walk.blobsSeen, walk.referrers);
  }

  /**
   * Copies every job, several roots at once (each root's blobs still move in parallel within the copier's
   * bound), and returns their records in the jobs' order. Roots sharing blobs or manifests share the
   * transfers: each moves once, and a root never has a parent put before the children another root is
   * putting. {@code done} (may be null) is told of each record as its root completes. The first failure
   * (in the jobs' order) is thrown once the roots already started have stopped; no new root starts after
   * a failure.
   */
  public List<GraphRecord> copyAll(List<Job> jobs, java.util.function.BiConsumer<Job, GraphRecord> done)
      throws IOException {
    int walkers = Math.max(1, Math.min(jobs.size(), Math.max(2, options.parallelism() / 2)));
    ExecutorService walkPool = Executors.newFixedThreadPool(walkers, dev.airlock.Futures.daemon("airlock-walk"));
    java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      List<CompletableFuture<GraphRecord>> futures = new ArrayList<>(java.util.Collections.nCopies(jobs.size(), null));
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < jobs.size(); i++) {
        order.add(i);
      }
      order.sort(java.util.Comparator.comparingLong((Integer i) -> jobs.get(i).weight()).reversed()); // stable
      for (int i : order) {
        Job j = jobs.get(i);
        futures.set(i, CompletableFuture.supplyAsync(() -> {
          if (failed.get()) {
            throw new java.util.concurrent.CancellationException("an earlier root failed");
          }
          try {
            GraphRecord r = copy(j);
            if (done != null) {
              done.accept(j, r);
            }
            return r;
          } catch (IOException e) {
            failed.set(true);
            throw new UncheckedIOException(e);
          } catch (RuntimeException e) {
            failed.set(true);
            throw e;
          }
        }, walkPool));
      }
      try {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      } catch (CompletionException | java.util.concurrent.CancellationException e) {
        // reported below, in the jobs' order
      }
      List<GraphRecord> out = new ArrayList<>();
      for (CompletableFuture<GraphRecord> f : futures) {
        if (f.isCompletedExceptionally() && !isCancellation(f)) {
          joinOne(f);
        }
      }
      for (CompletableFuture<GraphRecord> f : futures) {
        out.add(f.join());
      }
      return out;
    } finally {
      walkPool.shutdownNow();
    }
  }

  private static boolean isCancellation(CompletableFuture<?> f) {
    try {
      f.join();
      return false;
    } catch (CompletionException e) {
      return e.getCause() instanceof java.util.concurrent.CancellationException;
    } catch (java.util.concurrent.CancellationException e) {
      return true;
    }
  }

  /** One copy's state: what it saw, for its record. */
  private final class Walk {
    final ContentStore src;
    final String srcRepo;
    final String dstRepo;
    final List<GraphRecord.ManifestSeen> manifests = Collections.synchronizedList(new ArrayList<>());
    final List<GraphRecord.ChildSeen> children = new ArrayList<>();
    final List<GraphRecord.BlobSeen> blobsSeen = Collections.synchronizedList(new ArrayList<>());
    final List<GraphRecord.ReferrerSeen> referrers = new ArrayList<>();
    final List<Digest> copiedManifests = new ArrayList<>();

    Walk(ContentStore src, String srcRepo, String dstRepo) {
      this.src = src;
      this.srcRepo = srcRepo;
      this.dstRepo = dstRepo;
    }

    String key(Digest d) {
      return dstRepo + "@" + d;
    }

    void copyTree(RawManifest m, Platform platform, List<Platform> wanted, String tag) throws IOException {
      manifests.add(new GraphRecord.ManifestSeen(m.digest(), m.mediaType(), m.size(), platform, m.artifactType()));
      copiedManifests.add(m.digest());
      if (m.isIndex()) {
        List<Descriptor> selected = select(m, wanted);
        if (selected.isEmpty() && !m.manifests().isEmpty()) { // a typo (linux/amd46) or a platform it lacks
          throw new InvalidInputException("none of the platforms asked for (" + String.join(", ",
              wanted.stream().map(Platform::toString).toList()) + ") is in index " + m.digest().shortForm()
              + (tag != null ? " (" + tag + ")" : "") + ", which has " + String.join(", ", m.manifests().stream()
                  .filter(c -> !isAttestationManifest(c)).map(c -> String.valueOf(c.platform())).toList()));
        }
        for (Descriptor child : m.manifests()) {
          boolean present = selected.contains(child);
          boolean absent = present && options.leaveOutAbsentChildren() && !src.hasBlob(srcRepo, child.digest());
          children.add(new GraphRecord.ChildSeen(m.digest(), child.digest(), child.platform(), present && !absent));
          if (absent) {
            continue; // the source's own platform filter left it out: its reader has said so already
          }
          if (!present) {
            options.progress().info("left out " + child.digest().shortForm() + " (" + child.platform()
                + ") of " + m.digest().shortForm() + ": platform filter");
            continue;
          }
          MediaTypes.requireSupportedManifest(child.mediaType(), "manifest " + child.digest());
          RawManifest cm = src.getManifest(srcRepo, child.digest().toString());
          copyTree(cm, child.platform(), List.of(), null);
        }
      } else {
        List<CompletableFuture<Boolean>> pending = new ArrayList<>();
        for (Descriptor blob : m.children()) {
          if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(blob.mediaType()) || !blob.urls().isEmpty()) {
            continue; // foreign layers are fetched by the runtime from their URLs, never redistributed
          }
          boolean[] first = new boolean[1];
          CompletableFuture<Boolean> f = scheduleBlob(blob, first);
          pending.add(f.thenApply(transferred -> {
            // a shared blob counts as transferred for the first manifest that needed it only
            blobsSeen.add(new GraphRecord.BlobSeen(blob.digest(), blob.size(), blob.mediaType(), m.digest(),
                transferred && first[0]));
            return transferred;
          }));
        }
        join(pending);
      }
      putManifest(m, tag);
    }

    /**
     * Puts {@code m} once per destination repository (again when it carries a tag); a walk that finds another
     * walk putting it waits until it is there.
     */
    private void putManifest(RawManifest m, String tag) throws IOException {
      String k = key(m.digest());
      CompletableFuture<Void> mine = new CompletableFuture<>();
      CompletableFuture<Void> earlier = manifestsPut.putIfAbsent(k, mine);
      if (earlier == null) {
        try {
          dst.putManifest(dstRepo, m, tag);
          mine.complete(null);
        } catch (IOException | RuntimeException e) {
          mine.completeExceptionally(e);
          throw e;
        }
        options.progress().item("manifest " + m.digest().shortForm(), false);
        return;
      }
      joinOne(earlier);
      if (tag != null) {
        dst.putManifest(dstRepo, m, tag);
        options.progress().item("manifest " + m.digest().shortForm(), false);
      }
    }

    private CompletableFuture<Boolean> scheduleBlob(Descriptor blob, boolean[] first) {
      Digest d = blob.digest();
      return blobs.computeIfAbsent(key(d), k -> {
        first[0] = true;
        return CompletableFuture.supplyAsync(() -> {
        try {
          if (dst.hasBlob(dstRepo, d)) {
            options.progress().item("blob " + d.shortForm(), true);
            return false;
          }
          dst.putBlob(dstRepo, blob, () -> counting(src.openBlob(srcRepo, blob)));
          options.progress().item("blob " + d.shortForm(), false);
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, pool);
      });
    }

    void copyReferrersOf(List<Digest> subjects) throws IOException {
      for (Digest subject : subjects) {
        if (!referrersVisited.add(key(subject))) {
          continue;
        }
        List<Digest> found = new ArrayList<>();
        for (Descriptor r : src.referrers(srcRepo, subject, null)) {
          referrers.add(new GraphRecord.ReferrerSeen(r.digest(), subject, r.artifactType(),
              ReferrerKind.classify(r.artifactType(), null, r.annotations()), null));
          if (!manifestsPut.containsKey(key(r.digest()))) {
            copyTree(src.getManifest(srcRepo, r.digest().toString()), null, List.of(), null);
          }
          found.add(r.digest());
        }
        if (options.cosignTags()) {
          for (String suffix : COSIGN_SUFFIXES) {
            String tag = subject.tagForm() + suffix;
            Descriptor d;
            try {
              d = src.resolve(srcRepo, tag).orElse(null);
            } catch (NotFoundException e) {
              d = null;
            }
            if (d == null) {
              continue;
            }
            RawManifest rm = src.getManifest(srcRepo, d.digest().toString());
            referrers.add(new GraphRecord.ReferrerSeen(rm.digest(), subject, rm.artifactType(),
                ReferrerKind.classify(rm.artifactType(), tag, rm.annotations()), tag));
            copyTree(rm, null, List.of(), tag);
            found.add(rm.digest());
          }
        }
        // signatures on signatures, SBOMs of SBOMs: walk on
        copyReferrersOf(found);
      }
    }
  }

  private InputStream counting(InputStream in) {
    if (in instanceof dev.airlock.oci.VerifyingInputStream v) {
      // counted by the verifying stream itself, so the destination still sees it and hashes it once
      return v.observe(n -> options.progress().bytes(n));
    }
    return new java.io.FilterInputStream(in) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          options.progress().bytes(n);
        }
        return n;
      }
    };
  }

  /** Children of {@code index} the platform filter keeps; empty {@code wanted} keeps all. */
  public static List<Descriptor> select(RawManifest index, List<Platform> wanted) {
    List<Descriptor> all = index.manifests();
    if (wanted.isEmpty()) {
      return all;
    }
    List<Descriptor> out = new ArrayList<>();
    Set<Digest> selected = new java.util.HashSet<>();
    for (Descriptor c : all) {
      if (c.platform() == null || MediaTypes.isIndex(c.mediaType())
          || wanted.stream().anyMatch(w -> w.matches(c.platform()))) {
        if (!isAttestationManifest(c)) {
          out.add(c);
          selected.add(c.digest());
        }
      }
    }
    // buildx attestation manifests (platform unknown/unknown) follow the manifest they describe
    for (Descriptor c : all) {
      if (isAttestationManifest(c)) {
        String ref = c.annotation("vnd.docker.reference.digest");
        if (ref != null && Digest.isValid(ref) && selected.contains(Digest.parse(ref))) {
          out.add(c);
        }
      }
    }
    return out;
  }

  static boolean isAttestationManifest(Descriptor c) {
    return "attestation-manifest".equals(c.annotation("vnd.docker.reference.type"));
  }

  private static void join(List<CompletableFuture<Boolean>> futures) throws IOException {
    joinOne(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)));
  }

  private static void joinOne(CompletableFuture<?> future) throws IOException {
    dev.airlock.Futures.join(future);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
