package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.mirrorconfig.MirrorConfigWriter;
import dev.airlock.oci.Descriptor;
import dev.airlock.progress.ProgressListener;
import dev.airlock.registry.RegistryStore;
import dev.airlock.registry.StagedUpload;
import dev.airlock.store.ContentStore;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.transfer.GraphRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code airlock import}: verify the bundle (fail closed, before anything is pushed), open and probe the
 * target, plan, push through {@link GraphCopier} reading straight from the bundle, prove the result by
 * re-reading the target, emit mirror configuration, and record the import in the history.
 */
public final class BundleImporter {
  /**
   * What to import where, and how. {@code history} null = do not record; {@code onPlan} (may be null) sees
   * the verification and the plan before anything is pushed.
   */
  public record Options(String to, ReferenceMapper mapper, BundleVerifier.Request verify, boolean dryRun,
      int parallelism, ProgressListener progress, Path emitConfig, Path history, PlanListener onPlan,
      boolean verifyFirst, SparseIndexMode sparseIndex, boolean allowOlder, String receiptTarget) {
    public Options {
      sparseIndex = sparseIndex == null ? SparseIndexMode.AUTO : sparseIndex;
    }

    public Options(String to, ReferenceMapper mapper, BundleVerifier.Request verify, boolean dryRun, int parallelism,
        ProgressListener progress, Path emitConfig, Path history, PlanListener onPlan, boolean verifyFirst,
        SparseIndexMode sparseIndex) {
      this(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, verifyFirst, sparseIndex, false,
          null);
    }

    public Options(String to, ReferenceMapper mapper, BundleVerifier.Request verify, boolean dryRun, int parallelism,
        ProgressListener progress, Path emitConfig, Path history, PlanListener onPlan, boolean verifyFirst,
        SparseIndexMode sparseIndex, boolean allowOlder) {
      this(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, verifyFirst, sparseIndex,
          allowOlder, null);
    }

    public Options(String to, ReferenceMapper mapper, BundleVerifier.Request verify, boolean dryRun, int parallelism,
        ProgressListener progress, Path emitConfig, Path history, PlanListener onPlan) {
      this(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, false, SparseIndexMode.AUTO);
    }

    /**
     * The name a delta's receipts give this target when it is reached under another one (an alias, another port,
     * a moved layout directory); null: its own name. The left-out blobs are checked at the target all the same.
     */
    public Options withReceiptTarget(String name) {
      return new Options(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, verifyFirst,
          sparseIndex, allowOlder, name);
    }

    public Options(String to, ReferenceMapper mapper, BundleVerifier.Request verify, boolean dryRun, int parallelism,
        ProgressListener progress, Path emitConfig, Path history) {
      this(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, null);
    }

    /**
     * Hash every byte before the first upload, and commit each blob as it is pushed, instead of hashing the
     * layers while uploading them into sessions committed at the end (for a registry that expires upload
     * sessions sooner than the import takes; each layer is then read and hashed twice).
     */
    public Options withVerifyFirst(boolean b) {
      return new Options(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, b, sparseIndex,
          allowOlder, receiptTarget);
    }

    /** The same options reporting to {@code p}. */
    public Options withProgress(ProgressListener p) {
      return new Options(to, mapper, verify, dryRun, parallelism, p, emitConfig, history, onPlan, verifyFirst, sparseIndex,
          allowOlder, receiptTarget);
    }

    /** What becomes of a platform-filtered (sparse) index ({@link SparseIndexMode}; default auto). */
    public Options withSparseIndex(SparseIndexMode m) {
      return new Options(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, verifyFirst, m,
          allowOlder, receiptTarget);
    }

    /**
     * Import a bundle even when the history holds a newer bundle of the same name imported into the same
     * target (a deliberate rollback); by default that is refused.
     */
    public Options withAllowOlder(boolean b) {
      return new Options(to, mapper, verify, dryRun, parallelism, progress, emitConfig, history, onPlan, verifyFirst,
          sparseIndex, b, receiptTarget);
    }
  }

  /** Told the plan once it is made, before the first byte is pushed. */
  @FunctionalInterface
  public interface PlanListener {
    void planned(BundleVerifier.Outcome verification, ImportPlan plan);
  }

  /**
   * Layers of this size or more are hashed once, while they are uploaded into a registry, instead of by
   * the verification and again by the upload (see {@link StagingTarget}); smaller blobs are hashed by both.
   */
  static final long HASH_WHILE_UPLOADING_FROM = 1L << 20;

  /**
   * What an import has proven at its target, handed to an {@link AfterProof} step: the target (still open), its
   * name, the bundle, the plan, what stands for each sparse index, and the verification that admitted the bundle.
   */
  public record Proven(ContentStore target, String targetName, BundleContent bundle, ImportPlan plan,
      List<IndexPlacement> placements, BundleVerifier.Outcome verification, BundleVerifier.Request request) {}

  /**
   * A step run once the check after import has passed, before the import is recorded (a site signing the images
   * it admitted): it runs only when everything before it succeeded, and its failure fails the import.
   */
  @FunctionalInterface
  public interface AfterProof {
    void proven(Proven p) throws IOException;

    /**
     * With {@code --emit-config} into a registry, after the mirror configuration is written: what the step adds
     * to {@code dir} (the site's cluster policies), as notes.
     */
    default List<String> emitConfig(Path dir, List<MirrorConfigWriter.Image> images, boolean plainHttp) throws IOException {
      return List.of();
    }
  }

  private final BundleVerifier verifier;
  private final RegistryTargets registries;
  private AfterProof afterProof;

  public BundleImporter(BundleVerifier verifier, RegistryTargets registries) {
    this.verifier = verifier;
    this.registries = registries;
  }

  /** Runs {@code step} after the check after import of every (non dry) run; see {@link AfterProof}. */
  public BundleImporter afterProof(AfterProof step) {
    this.afterProof = step;
    return this;
  }

  public ImportResult run(Path bundlePath, Options o) throws IOException {
    if (dev.airlock.store.archive.ArchiveFile.isCompressed(bundlePath)) {
      return runCompressed(bundlePath, o);
    }
    try (BundleContent bundle = openVerifying(bundlePath, Long.MAX_VALUE)) {
      return run(bundle, o);
    }
  }

  /**
   * A compressed bundle (.tar.zst) is verified from its stream first (signature, integrity, policy: nothing
   * is decompressed to disk), and only then decompressed, to no more than its verified content declares (a
   * decompression bomb fills no disk; an unsigned bundle gets this far only with --allow-unsigned); the
   * import then goes on with that verification's outcome.
   */
  private ImportResult runCompressed(Path bundlePath, Options o) throws IOException {
    Instant started = Instant.now();
    BundleContent pending = BundleContent.unopened(bundlePath);
    BundleVerifier.Outcome verified;
    try {
      (o.progress() == null ? ProgressListener.NONE : o.progress()).phase("verify", -1, -1);
      verified = verifier.verify(pending, o.verify());
    } catch (VerificationException e) {
      record(o, started, pending, null, ImportRecord.VERIFICATION_FAILED, e.getMessage(), e.getMessage());
      throw e;
    }
    long bound = verified.expandedBound() >= 0 ? verified.expandedBound() : Long.MAX_VALUE;
    // the room the decompressed copy takes, before a byte of it is written; a set of compressed parts is
    // decompressed as it is read instead, nothing written
    if (bound != Long.MAX_VALUE && !dev.airlock.bundle.parts.PartSet.isPartSet(bundlePath)) {
      dev.airlock.store.DiskSpace.require(Path.of(System.getProperty("java.io.tmpdir")), bound,
          "the decompressed copy of " + bundlePath.getFileName() + " (its verified content plus tar headers)");
    }
    BundleVerifier.Outcome done = verified;
    try (BundleContent bundle = openVerifying(bundlePath, bound)) {
      return new BundleImporter((b, r) -> done, registries).afterProof(afterProof).run(bundle, o);
    }
  }

  /**
   * Imports content already opened: a bundle, or any store presented as one (a mirror's sources, read
   * live). The caller closes it.
   */
  public ImportResult run(BundleContent bundle, Options o) throws IOException {
    Instant started = Instant.now();
    ProgressListener progress = o.progress() == null ? ProgressListener.NONE : o.progress();
    {
      progress.phase("verify", -1, -1);
      // Opening a registry and planning only read (the bundle's manifests, what the registry holds, which
      // pushes it grants), so they run while the bundle is verified; the plan is used only once verification
      // has passed. An OCI layout target is created when opened, so it waits for verification.
      boolean ahead = o.to() != null && !o.to().isBlank() && !o.to().startsWith("oci:");
      ExecutorService planner = ahead ? Executors.newSingleThreadExecutor(Futures.daemon("airlock-plan-ahead")) : null;
      CompletableFuture<Planned> planning = !ahead ? null : CompletableFuture.supplyAsync(() -> {
        try {
          return plan(bundle, o);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, planner);
      // into a registry, the layers are hashed while they are uploaded, and committed only once all have been
      BundleVerifier.Request request = ahead && !o.dryRun() && !o.verifyFirst()
          ? o.verify().deferringLayersFrom(HASH_WHILE_UPLOADING_FROM) : o.verify();
      BundleVerifier.Outcome verified;
      try {
        verified = verifier.verify(bundle, request);
      } catch (VerificationException e) {
        discard(planner, planning);
        record(o, started, bundle, null, ImportRecord.VERIFICATION_FAILED, e.getMessage(), e.getMessage());
        throw e;
      } catch (IOException | RuntimeException | Error e) {
        discard(planner, planning);
        throw e;
      }
      if (planner != null) {
        planner.shutdown();
      }
      Planned planned = ahead ? Futures.join(planning) : plan(bundle, o);
      // the verification did not read the checksum file beside the bundle when it left layers to be hashed while
      // uploaded (a compressed bundle's was read with its stream): the file is hashed meanwhile, awaited before
      // anything is committed or, without staging, pushed
      ChecksumWhileImporting sums;
      try {
        sums = request.deferLayersFrom() > 0 && !verified.checksumFileChecked()
            && !dev.airlock.store.archive.ArchiveFile.isCompressed(bundle.path())
            ? ChecksumWhileImporting.start(bundle.path()) : null;
      } catch (VerificationException e) {
        planned.target().close();
        planned.counted().close();
        throw failedVerification(o, started, bundle, e);
      }
      try (ImportTarget target = planned.target(); CountingTarget ledger = planned.counted();
          ChecksumWhileImporting checksum = sums) {
        String rollback = o.allowOlder() ? null : RollbackCheck.refusal(o.history(), o.to(), bundle);
        if (rollback != null) {
          record(o, started, bundle, null, ImportRecord.VERIFICATION_FAILED, verified.summary(), rollback);
          throw new VerificationException(rollback);
        }
        SparseIndexTarget sparse = new SparseIndexTarget(planned.counted(), target.isRegistry() ? target.host() : o.to(),
            planned.plan().items(), o.sparseIndex());
        StagingTarget staging = null;
        if (!verified.deferred().isEmpty()) {
          if (target.store() instanceof RegistryStore registry) {
            Set<String> repositories = new HashSet<>();
            planned.plan().items().forEach(i -> repositories.add(i.targetRepository()));
            staging = new StagingTarget(planned.counted(), sparse, StagingTarget.Uploads.of(registry), bundle.store(),
                verified.deferred(), repositories, o.parallelism() > 0 ? o.parallelism() : GraphCopier.defaultParallelism(),
                sessions(o.history(), target.host(), progress));
          } else {
            // a registry target whose store is not a RegistryStore (a test's): hash the layers, then push as usual
            try {
              StagingTarget.hashAll(bundle.store(), verified.deferred());
            } catch (VerificationException e) {
              throw failedVerification(o, started, bundle, e);
            }
          }
        }
        if (checksum != null && staging == null && !o.dryRun()) {
          try {
            checksum.await();
          } catch (VerificationException e) {
            throw failedVerification(o, started, bundle, e);
          }
        }
        progress.phase("plan", -1, -1);
        CountingTarget counted = planned.counted();
        ImportPlan plan = planned.plan();
        if (o.onPlan() != null) {
          o.onPlan().planned(verified, plan);
        }
        if (!plan.access().denied().isEmpty()) {
          String msg = "push not granted by " + target.host() + " for " + String.join(", ", plan.access().denied())
              + " (see the plan's auth lines); nothing was pushed";
          record(o, started, bundle, null, ImportRecord.FAILED, verified.summary(), msg);
          throw new AirlockException(msg);
        }
        if (plan.stopReason() != null) {
          record(o, started, bundle, null, ImportRecord.FAILED, verified.summary(), plan.stopReason());
          throw new AirlockException(plan.stopReason());
        }
        try { // a delta: every blob it left out must be at the target before anything is pushed
          String here = dev.airlock.receipt.ReceiptTaker.targetName(target.isRegistry() ? target.host() : null, o.to());
          DeltaPreflight.Checked delta = DeltaPreflight.check(bundle, plan, counted, here,
              o.receiptTarget() != null ? o.receiptTarget() : here);
          if (delta != null) {
            progress.info(delta.line());
          }
        } catch (VerificationException e) {
          record(o, started, bundle, null, ImportRecord.VERIFICATION_FAILED, verified.summary(), e.getMessage());
          throw e;
        }
        dev.airlock.clusterpolicy.ClusterPolicyEmitter.Emission clusterPolicies;
        try { // the cluster policies to hand over are rewritten and checked before anything is pushed
          clusterPolicies = clusterPolicies(o, bundle, plan, target, verified);
        } catch (dev.airlock.InvalidInputException e) {
          record(o, started, bundle, null, ImportRecord.FAILED, verified.summary(), e.getMessage());
          throw e;
        }
        if (o.dryRun()) {
          ImportResult r = new ImportResult(plan, verified, true, 0, 0, 0, 0, plan.existingBlobs(), plan.existingBytes(),
              0, 0, List.of(), clusterPolicies == null ? List.of() : clusterPolicies.preview(o.emitConfig()),
              Duration.between(started, Instant.now()), 0, List.of());
          long id = record(o, started, bundle, r, ImportRecord.DRY_RUN, verified.summary(), null);
          return withId(r, id);
        }
        if (!target.isRegistry()) {
          requireLayoutSpace(o, started, bundle, verified, plan);
        }
        counted.startCounting();
        List<List<GraphRecord>> copiedRecords = new ArrayList<>();
        GraphCopier.Options copy;
        try {
          // items: every blob (skipped too) and manifest; bytes: what is uploaded (mounts send none)
          progress.phase("push", plan.blobs() + plan.manifests(), plan.uploadBytes());
          // a child the bundle does not hold was left out by the bundle's platform filter: the verification
          // has checked that exactly those recorded are absent
          copy = GraphCopier.Options.defaults().withProgress(progress).withAbsentChildrenLeftOut(true)
              .withParallelism(o.parallelism() > 0 ? o.parallelism() : GraphCopier.defaultParallelism());
          try (GraphCopier copier = new GraphCopier(staging != null ? staging : sparse, copy)) {
            List<Job> jobs = jobs(bundle, plan);
            List<GraphCopier.Job> weighted = new ArrayList<>();
            for (Job j : jobs) {
              weighted.add(j.job().withWeight(treeBytes(bundle.store(), j.job().srcRepo(), j.job().srcRef())));
            }
            List<GraphRecord> records = copier.copyAll(weighted, null);
            List<List<GraphRecord>> byItem = new ArrayList<>();
            plan.items().forEach(i -> byItem.add(new ArrayList<>()));
            for (int k = 0; k < records.size(); k++) {
              byItem.get(jobs.get(k).item()).add(records.get(k));
            }
            for (int n = 0; n < plan.items().size(); n++) {
              copiedRecords.add(byItem.get(n));
            }
          }
          if (staging != null) {
            progress.phase("commit", -1, -1);
            if (checksum != null) {
              try {
                checksum.await();
              } catch (VerificationException e) {
                staging.refuse(e); // as a corrupted layer: nothing committed, the sessions cancelled
                throw e;
              }
            }
            staging.commit();
            int fromBundle = verified.deferred().size() - staging.hashedWhileUploading();
            verified = verified.afterPush(staging.hashedWhileUploading() + " layers hashed to their digests while uploaded"
                + (fromBundle == 0 ? "" : " and " + fromBundle + " from the bundle (already at the target"
                    + (staging.resumed() == 0 ? "" : ", or " + staging.resumed() + " held by uploads an earlier run left open")
                    + ")")
                + ", before any was committed");
          }
          List<IndexPlacement> placements = new ArrayList<>();
          List<PostImportCheck.Copied> copied = new ArrayList<>();
          for (int n = 0; n < plan.items().size(); n++) {
            ImportItem i = plan.items().get(n);
            IndexPlacement p = i.sparse() ? sparse.placement(i) : null;
            if (p != null) {
              placements.add(p);
            }
            copied.add(new PostImportCheck.Copied(i, copiedRecords.get(n), p == null ? i.digest() : p.pushed().digest(),
                o.sparseIndex() == SparseIndexMode.PLATFORM_TAGS));
          }
          if (o.sparseIndex() == SparseIndexMode.PLATFORM_TAGS) {
            putPlatformTags(bundle, plan, sparse, copy);
          }
          progress.phase("check", -1, -1);
          PostImportCheck.Proof proof = PostImportCheck.check(target.store(), target.isRegistry() ? target.host() : o.to(), copied);
          if (!proof.ok()) {
            throw new AirlockException("the check after import failed: " + String.join("; ", proof.failures()));
          }
          if (afterProof != null) {
            afterProof.proven(new Proven(target.store(), target.isRegistry() ? target.host() : o.to(), bundle, plan,
                List.copyOf(placements), verified, o.verify()));
          }
          List<String> notes = List.of();
          if (o.emitConfig() != null) {
            if (!target.isRegistry()) {
              notes = List.of("--emit-config skipped: mirror configuration needs a registry target (serve the layout"
                  + " with airlock serve, or import into a registry)");
            } else {
              List<MirrorConfigWriter.Image> written = images(plan, placements);
              notes = new ArrayList<>(MirrorConfigWriter.write(o.emitConfig(), bundle.name(), plan.mapping(),
                  target.plainHttp(), written));
              if (clusterPolicies != null) {
                notes.addAll(clusterPolicies.write(o.emitConfig()));
              }
              if (afterProof != null) {
                notes.addAll(afterProof.emitConfig(o.emitConfig(), written, target.plainHttp()));
              }
            }
          }
          ImportResult r = new ImportResult(plan, verified, false, counted.uploaded.get(), counted.uploadedBytes.get(),
              counted.mounted.get(), counted.mountedBytes.get(), counted.skippedBlobs(), counted.skippedBytes.get(),
              counted.manifestsPushed.get(), counted.manifestsSkipped.get(), proof.lines(), notes,
              Duration.between(started, Instant.now()), 0, placements);
          long id = record(o, started, bundle, r, ImportRecord.OK, verified.fullSummary(), null);
          return withId(r, id);
        } catch (IOException | RuntimeException e) {
          if (staging != null) { // nothing is committed unless every layer hashed
            int kept = staging.abandon();
            if (staging.corruption() != null) { // also when another failure surfaced first
              throw failedVerification(o, started, bundle, staging.corruption());
            }
            if (kept > 0) {
              progress.info(kept + " complete uploads stay open at the registry: importing again continues them");
            }
          }
          ImportResult partial = new ImportResult(plan, verified, false, counted.uploaded.get(), counted.uploadedBytes.get(),
              counted.mounted.get(), counted.mountedBytes.get(), counted.skippedBlobs(), counted.skippedBytes.get(),
              counted.manifestsPushed.get(), counted.manifestsSkipped.get(), List.of(), List.of(),
              Duration.between(started, Instant.now()), 0, List.copyOf(sparse.placements().values()));
          record(o, started, bundle, partial, ImportRecord.FAILED, verified.summary(), e.getMessage());
          throw e;
        }
      }
    }
  }

  /**
   * Open upload sessions are noted in the import history, so a later run can continue them; notes older
   * than a week (docker-registry's purge age) are dropped. A history that cannot be written is reported once
   * and otherwise ignored: it only costs a later run the chance to continue.
   */
  private static StagingTarget.Sessions sessions(Path history, String registry, ProgressListener progress) {
    if (history == null) {
      return StagingTarget.Sessions.NONE;
    }
    java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.function.Consumer<RuntimeException> warn = e -> {
      if (!warned.getAndSet(true)) {
        progress.info("upload sessions not noted in the history (" + e.getMessage() + ")");
      }
    };
    ImportHistory h;
    try {
      h = ImportHistory.open(history);
      h.forgetStagedUploadsBefore(Instant.now().minus(Duration.ofDays(7)));
    } catch (IOException | RuntimeException e) {
      warn.accept(e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e));
      return StagingTarget.Sessions.NONE;
    }
    return new StagingTarget.Sessions() {
      @Override
      public Optional<StagedUpload> claim(Descriptor blob, Set<String> repositories) {
        try {
          return h.claimStagedUpload(registry, blob.digest().toString(), blob.size(), repositories)
              .map(n -> new StagedUpload(n.repository(), blob, URI.create(n.location())));
        } catch (RuntimeException e) {
          warn.accept(e);
          return Optional.empty();
        }
      }

      @Override
      public void remember(StagedUpload u) {
        try {
          h.rememberStagedUpload(registry, note(u));
        } catch (RuntimeException e) {
          warn.accept(e);
        }
      }

      @Override
      public void forget(List<StagedUpload> uploads) {
        try {
          h.forgetStagedUploads(registry, uploads.stream().map(BundleImporter::note).toList());
        } catch (RuntimeException e) {
          warn.accept(e);
        }
      }
    };
  }

  private static ImportHistory.StagedUploadNote note(StagedUpload u) {
    return new ImportHistory.StagedUploadNote(u.repository(), u.blob().digest().toString(), u.blob().size(),
        u.location().toString());
  }

  /**
   * Opens the bundle. A file that is there but is no readable bundle (truncated, not a tar, no layout
   * inside) fails verification, exit 3, as {@code airlock verify} says of it; a path that is not there stays
   * an input error.
   */
  /**
   * An OCI layout target must have room for what the plan writes there (the blobs it lacks, the manifests and
   * index.json) before the first byte is written: a full disk is one clear line, nothing half-written.
   */
  private static void requireLayoutSpace(Options o, Instant started, BundleContent bundle, BundleVerifier.Outcome verified,
      ImportPlan plan) throws IOException {
    long needed = plan.uploadBytes() + plan.manifests() * 16L * 1024 + 1024L * 1024;
    try {
      dev.airlock.store.DiskSpace.require(Path.of(o.to().substring("oci:".length())), needed, "the import into " + o.to());
    } catch (AirlockException e) {
      record(o, started, bundle, null, ImportRecord.FAILED, verified.summary(), e.getMessage() + "; nothing was imported");
      throw new AirlockException(e.getMessage() + "; nothing was imported", e);
    }
  }

  /**
   * Opens the bundle for reading. A bundle that cannot even be opened (damaged headers, an invalid index.json,
   * a root index whose bytes do not match its digest) fails the verification, exit 3, as {@code verify} says.
   */
  private static BundleContent openVerifying(Path bundlePath, long maxExpanded) throws IOException {
    try {
      return BundleContent.open(bundlePath, maxExpanded);
    } catch (VerificationException e) {
      throw e;
    } catch (AirlockException | dev.airlock.oci.DigestMismatchException e) {
      if (!java.nio.file.Files.exists(bundlePath)) {
        throw e;
      }
      throw new VerificationException("bundle " + bundlePath + " failed verification, nothing was imported: "
          + e.getMessage(), e);
    }
  }

  /** A layer hashed while it was read did not match: recorded, and reported like any failed verification. */
  private static VerificationException failedVerification(Options o, Instant started, BundleContent bundle,
      VerificationException e) throws IOException {
    String msg = "bundle " + bundle.path() + " failed verification, nothing was imported: " + e.getMessage();
    record(o, started, bundle, null, ImportRecord.VERIFICATION_FAILED, msg, msg);
    return new VerificationException(msg, e);
  }

  /** An opened target and the plan made against it. */
  private record Planned(ImportTarget target, CountingTarget counted, ImportPlan plan) {}

  private Planned plan(BundleContent bundle, Options o) throws IOException {
    ImportTarget target = ImportTarget.open(o.to(), registries);
    try {
      ReferenceMapper mapper =
          new ReferenceMapper(join(target.prefix(), o.mapper().prefix()), o.mapper().keepHost(), o.mapper().flatten());
      CountingTarget counted = new CountingTarget(target.store(), target.mounter());
      return new Planned(target, counted, new ImportPlanner(bundle, target, mapper, counted, o.sparseIndex()).plan());
    } catch (IOException | RuntimeException | Error e) {
      target.close();
      throw e;
    }
  }

  /**
   * Verification failed: the planning thread is interrupted, and the target it opened is closed as soon as
   * the planning ends (it pushed nothing).
   */
  private static void discard(ExecutorService planner, CompletableFuture<Planned> planning) {
    if (planning == null) {
      return;
    }
    planner.shutdownNow();
    planning.whenComplete((p, failure) -> {
      if (p != null) {
        try {
          p.target().close();
        } catch (IOException ignored) {
          // nothing was pushed through it; closing only frees its resources
        }
      }
    });
  }

  /** One root for the graph copier, and the index of the plan's item it belongs to. */
  private record Job(GraphCopier.Job job, int item) {}

  /**
   * Every root at once: each item from its source tag (a sparse index's absent children are left out, and
   * {@link SparseIndexTarget} decides what stands at its tag).
   */
  private static List<Job> jobs(BundleContent bundle, ImportPlan plan) {
    List<Job> jobs = new ArrayList<>();
    for (int n = 0; n < plan.items().size(); n++) {
      ImportItem i = plan.items().get(n);
      jobs.add(new Job(new GraphCopier.Job(bundle.store(), i.sourceRepository(), i.sourceTag(), i.targetRepository(),
          i.targetTag(), null), n));
    }
    return jobs;
  }

  /**
   * With {@code platform-tags}, each carried platform of a sparse index under its own tag, once everything
   * else is in: the manifests are there by then, so only the tags are put. (Putting a platform's manifest
   * again while its index is put races in docker-registry 2.8, which rewrites the manifest's link file in
   * place while the index put reads it, and answers DIGEST_INVALID.)
   */
  private static void putPlatformTags(BundleContent bundle, ImportPlan plan, ContentStore target,
      GraphCopier.Options options) throws IOException {
    List<GraphCopier.Job> jobs = new ArrayList<>();
    for (ImportItem i : plan.items()) {
      if (i.sparse()) {
        for (Descriptor child : PostImportCheck.platformTagged(i)) {
          jobs.add(new GraphCopier.Job(bundle.store(), i.sourceRepository(), child.digest().toString(),
              i.targetRepository(), ImportItem.platformTag(i.targetTag(), child), null));
        }
      }
    }
    if (jobs.isEmpty()) {
      return;
    }
    try (GraphCopier copier = new GraphCopier(target, options.withReferrers(false))) {
      copier.copyAll(jobs, null);
    }
  }

  /**
   * The policy file's cluster policies rewritten for the target ({@code --emit-config} with {@code --policy}
   * into a registry), checked to give the gate's verdicts; null when there is nothing to emit.
   */
  private static dev.airlock.clusterpolicy.ClusterPolicyEmitter.Emission clusterPolicies(Options o, BundleContent bundle,
      ImportPlan plan, ImportTarget target, BundleVerifier.Outcome verified) throws IOException {
    if (o.emitConfig() == null || !target.isRegistry() || o.verify() == null || o.verify().policy() == null) {
      return null;
    }
    List<dev.airlock.clusterpolicy.ClusterPolicyEmitter.Image> images = new ArrayList<>();
    for (ImportItem i : plan.items()) {
      images.add(new dev.airlock.clusterpolicy.ClusterPolicyEmitter.Image(i.sourceRef(), targetRef(plan, i)));
    }
    return dev.airlock.clusterpolicy.ClusterPolicyEmitter.prepare(o.verify().policy(), images, plan.mapping(),
        dev.airlock.clusterpolicy.CarriedTrustRoot.of(bundle.store(), bundle.rootDigest(), verified.validationTime()),
        target.plainHttp(), bundle.name());
  }

  /** What each item's target reference resolves to, for the mirror configuration. */
  private static List<MirrorConfigWriter.Image> images(ImportPlan plan, List<IndexPlacement> placements) {
    Map<String, IndexPlacement> byRef = new java.util.HashMap<>();
    placements.forEach(p -> byRef.put(p.repository() + ":" + p.reference(), p));
    List<MirrorConfigWriter.Image> out = new ArrayList<>();
    for (ImportItem i : plan.items()) {
      IndexPlacement p = byRef.get(i.targetRepository() + ":" + i.targetReference());
      out.add(new MirrorConfigWriter.Image(i.sourceRef(), targetRef(plan, i), i.digest(), p == null ? i.digest() : p.pushed().digest(),
          i.presentChildren().stream().map(dev.airlock.manifestlists.IndexChildren::describe).toList(),
          i.absentChildren().stream().map(dev.airlock.manifestlists.IndexChildren::describe).toList()));
    }
    return out;
  }

  /** {@code host/repository:tag} (or {@code @digest}) at a registry target; {@code repository:tag} in a layout. */
  static String targetRef(ImportPlan plan, ImportItem i) {
    return plan.mapping().getOrDefault(ImportPlanner.sourceName(i), i.targetRepository())
        + (i.targetTag() != null ? ":" + i.targetTag() : "@" + i.digest());
  }

  /** The bytes of the blobs under a root (its platforms' too): bigger roots start first. */
  static long treeBytes(dev.airlock.store.ContentStore src, String repo, String ref) throws IOException {
    dev.airlock.oci.RawManifest m = src.getManifest(repo, ref);
    long sum = 0;
    if (m.isIndex()) {
      for (dev.airlock.oci.Descriptor c : m.manifests()) {
        if (src.hasBlob(repo, c.digest())) {
          sum += treeBytes(src, repo, c.digest().toString());
        }
      }
    } else {
      for (dev.airlock.oci.Descriptor b : m.children()) {
        sum += b.size();
      }
    }
    return sum;
  }

  static String join(String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + "/" + b;
  }

  private static ImportResult withId(ImportResult r, long id) {
    return new ImportResult(r.plan(), r.verification(), r.dryRun(), r.blobsPushed(), r.bytesPushed(), r.blobsMounted(),
        r.bytesMounted(), r.blobsSkipped(), r.bytesSkipped(), r.manifestsPushed(), r.manifestsSkipped(), r.proof(),
        r.configNotes(), r.elapsed(), id, r.indexes());
  }

  private static long record(Options o, Instant started, BundleContent bundle, ImportResult r, String status,
      String verification, String error) throws IOException {
    if (o.history() == null) {
      return 0;
    }
    Map<String, String> mapping = r == null ? Map.of() : r.plan().mapping();
    ImportRecord rec = new ImportRecord(0, started.truncatedTo(ChronoUnit.SECONDS).toString(),
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), bundle.path().toAbsolutePath().toString(),
        bundle.rootDigest() == null ? null : bundle.rootDigest().toString(), bundle.name(), o.to(), status,
        verification == null ? "" : verification, r == null ? 0 : r.blobsPushed(), r == null ? 0 : r.blobsMounted(),
        r == null ? 0 : r.blobsSkipped(), r == null ? 0 : r.bytesPushed(), r == null ? 0 : r.bytesSkipped(),
        r == null ? 0 : r.manifestsPushed(), r == null ? 0 : r.manifestsSkipped(), mapping, error,
        ImportRecord.OK.equals(status) ? images(r) : List.of());
    ImportHistory history = ImportHistory.open(o.history());
    if (!ImportRecord.OK.equals(status) || bundle.rootDigest() == null) {
      return history.record(rec);
    }
    // one transaction: the import, its bundle's signed creation time (for the rollback check) and what the
    // bundle's SBOMs list (for audit --package)
    java.time.Instant created = RollbackCheck.created(bundle);
    return history.recordImport(rec, created == null ? null : created.toString(), ImportedPackages.packagesOf(bundle));
  }

  /** What each item's target reference resolves to, for the history. */
  private static List<ImportRecord.Image> images(ImportResult r) {
    Map<String, IndexPlacement> byRef = new java.util.HashMap<>();
    r.indexes().forEach(p -> byRef.put(p.repository() + ":" + p.reference(), p));
    List<ImportRecord.Image> out = new ArrayList<>();
    for (ImportItem i : r.plan().items()) {
      IndexPlacement p = byRef.get(i.targetRepository() + ":" + i.targetReference());
      boolean index = dev.airlock.oci.MediaTypes.isIndex(i.root().mediaType());
      String handling = !index ? null : !i.sparse() ? "full" : p != null && p.filtered() ? "filtered" : "kept-sparse";
      out.add(new ImportRecord.Image(i.sourceRef(), targetRef(r.plan(), i),
          (p == null ? i.digest() : p.pushed().digest()).toString(), i.digest().toString(), handling,
          i.presentChildren().stream().map(dev.airlock.manifestlists.IndexChildren::describe).toList(),
          i.absentChildren().stream().map(dev.airlock.manifestlists.IndexChildren::describe).toList(),
          p == null ? null : p.reason()));
    }
    return out;
  }
}
