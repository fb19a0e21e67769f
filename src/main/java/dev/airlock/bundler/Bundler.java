package dev.airlock.bundler;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.bundle.BundleLock;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundle.BundleTarWriter;
import dev.airlock.bundle.SelfDistribution;
import dev.airlock.bundle.TarAssembly;
import dev.airlock.charts.ChartRepository;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.AtomicFiles;
import dev.airlock.store.DiskSpace;
import dev.airlock.store.LayoutStore;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.transfer.GraphRecord;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The exporter: spec in, bundle tarball out (docs/bundle-format.md, docs/bundle-spec.md).
 *
 * <ol>
 *   <li>resolve every entry to a digest and write the lock file beside the output;
 *   <li>fetch every graph into a working OCI layout ({@code OUTPUT.work/} unless told), each blob once,
 *       in parallel; a re-run after a crash fetches only what is missing;
 *   <li>author the catalog, the metadata manifest and the root index, sign when asked;
 *   <li>write the tarball in one pass to a temp name, rename it into place, then remove the working layout.
 * </ol>
 */
public final class Bundler {
  /**
   * What to bundle. {@code lock}, {@code workDir} and {@code tufRepo} may be null; {@code created} is used
   * without a lock. {@code tufRepo}: a Sigstore TUF repository directory carried as a metadata layer.
   */
  public record Request(BundleSpec spec, Path specDir, Path output, BundleLock lock, boolean zstd, Path workDir,
      int parallelism, Instant created, Path tufRepo, List<SelfDistribution.Tarball> selfDistributions,
      long volumeSize, java.util.SortedSet<Integer> onlyParts) {
    public Request {
      onlyParts = onlyParts == null ? new java.util.TreeSet<>() : new java.util.TreeSet<>(onlyParts);
      selfDistributions = selfDistributions == null ? List.of() : List.copyOf(selfDistributions);
    }

    public Request(BundleSpec spec, Path specDir, Path output, BundleLock lock, boolean zstd, Path workDir,
        int parallelism, Instant created, Path tufRepo, List<SelfDistribution.Tarball> selfDistributions) {
      this(spec, specDir, output, lock, zstd, workDir, parallelism, created, tufRepo, selfDistributions, 0, null);
    }

    /** The same request, written as parts of at most {@code bytes} each (0: one tarball). */
    public Request withVolumeSize(long bytes) {
      return new Request(spec, specDir, output, lock, zstd, workDir, parallelism, created, tufRepo, selfDistributions,
          bytes, onlyParts);
    }

    /** The same request, putting in place only these part numbers (bundle --only-parts). */
    public Request withOnlyParts(java.util.Set<Integer> parts) {
      return new Request(spec, specDir, output, lock, zstd, workDir, parallelism, created, tufRepo, selfDistributions,
          volumeSize, new java.util.TreeSet<>(parts));
    }

    public Request(BundleSpec spec, Path specDir, Path output, BundleLock lock, boolean zstd, Path workDir,
        int parallelism, Instant created, Path tufRepo) {
      this(spec, specDir, output, lock, zstd, workDir, parallelism, created, tufRepo, List.of());
    }

    public Request(BundleSpec spec, Path specDir, Path output, BundleLock lock, boolean zstd, Path workDir,
        int parallelism, Instant created) {
      this(spec, specDir, output, lock, zstd, workDir, parallelism, created, null);
    }
  }

  /** What was written, and what moved. */
  /**
   * What was written, and what moved. {@code files}: every file in the bundle's {@code blobs/} (the
   * {@code blobs} and {@code manifests} of the content, each once, and the bundle's own metadata);
   * {@code blobsReused}: blobs a earlier, interrupted run had left in the working directory (or its partial
   * tarball); {@code blobsMadeHere}: blobs this run made itself (charts and files it packed), not fetched.
   */
  public record Result(Path output, Digest digest, long size, Path lockFile, Path catalog, int entries,
      int files, long bytesStored, long bytesReferenced, int blobsFetched, long bytesFetched, int blobsReused,
      int blobs, int manifests, int blobsMadeHere, List<Path> parts) {}

  private final SourceStores stores;
  private final ChartRepository charts;
  private final BundleSignatureHook signer;
  private final ProgressListener progress;
  private final String toolVersion;
  private dev.airlock.delta.DeltaBases since;
  private DeltaSelection.Result delta;

  /**
   * Makes the next bundle a delta (bundle format version 3, docs/deltas.md) against these bases: blobs every base
   * holds are left out and recorded as expected at the target. The caller closes the bases.
   */
  public Bundler since(dev.airlock.delta.DeltaBases bases) {
    this.since = bases;
    return this;
  }

  /** What the last delta bundle left out, or null when it was not a delta. */
  public Delta delta() {
    return delta == null ? null : new Delta(delta.leftOut().size(), delta.leftOutBytes(), delta.carriedBlobs(),
        delta.carriedBytes());
  }

  /** Blobs left out of a delta (expected at the target) and carried, with their bytes. */
  public record Delta(int leftOutBlobs, long leftOutBytes, int carriedBlobs, long carriedBytes) {}

  public Bundler(SourceStores stores, ChartRepository charts, BundleSignatureHook signer, ProgressListener progress,
      String toolVersion) {
    this.stores = stores;
    this.charts = charts;
    this.signer = signer;
    this.progress = progress == null ? ProgressListener.NONE : progress;
    this.toolVersion = toolVersion;
  }

  /** The tarball being assembled in place, and the list of its verified blobs, in the working directory. */
  static final String PARTIAL = "partial.tar";
  static final String PARTIAL_JOURNAL = "partial.tar.journal";

  /** The working directory used when none is given: beside the output, so a re-run finds it. */
  public static Path defaultWorkDir(Path output) {
    Path out = output.toAbsolutePath().normalize();
    return out.resolveSibling(out.getFileName() + ".work");
  }

  /** {@code BUNDLE.lock.yaml} beside the bundle, so bundles written to one directory keep their own locks. */
  public static Path lockFileFor(Path output) {
    Path out = output.toAbsolutePath().normalize();
    return out.resolveSibling(out.getFileName() + ".lock.yaml");
  }

  public static Path catalogFor(Path output) {
    Path out = output.toAbsolutePath().normalize();
    return out.resolveSibling(out.getFileName() + ".catalog.db");
  }

  /** The creation time: {@code SOURCE_DATE_EPOCH} (seconds) when set, else now, to the second. */
  public static Instant createdFromEnvironment(String sourceDateEpoch) {
    if (sourceDateEpoch != null && !sourceDateEpoch.isBlank()) {
      try {
        return Instant.ofEpochSecond(Long.parseLong(sourceDateEpoch.trim()));
      } catch (NumberFormatException e) {
        throw new dev.airlock.InvalidInputException("SOURCE_DATE_EPOCH '" + sourceDateEpoch + "' is not a number of seconds");
      }
    }
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  /**
   * Called before each file of the finished set is moved into place (beside files first, the tarball last):
   * tests stop there as a kill would.
   */
  interface PublishStep {
    void moving(Path target) throws IOException;
  }

  static volatile PublishStep publishing = target -> { };

  private static void publish(Path tmp, Path target) throws IOException {
    publishing.moving(target);
    AtomicFiles.moveIntoPlace(tmp, target);
  }

  public Result bundle(Request req) throws IOException {
    Path out = req.output().toAbsolutePath().normalize();
    Path workDir = req.workDir() != null ? req.workDir().toAbsolutePath().normalize() : defaultWorkDir(out);
    // one run per working directory (the second says who holds it); a default one left by a killed run is recovered
    try (WorkDirectory held = WorkDirectory.claim(workDir, req.workDir() == null, "airlock bundle -o " + out)) {
      return bundle(req, out, workDir, held);
    }
  }

  private Result bundle(Request req, Path out, Path workDir, WorkDirectory held) throws IOException {
    removeStaleTemps(out);
    if (!req.onlyParts().isEmpty() && req.volumeSize() <= 0) {
      throw new dev.airlock.InvalidInputException("--only-parts needs --volume-size (the size the set was cut to)");
    }
    if (req.volumeSize() > 0 && signer != null && signer.partSigner() == null) {
      throw new dev.airlock.InvalidInputException("--volume-size: this signer cannot sign part manifests");
    }
    boolean freshWork = !Files.exists(workDir);
    long runStart = System.currentTimeMillis();
    LayoutStore work = LayoutStore.openOrCreate(workDir);
    held.mark();
    // large blobs go straight into the tarball, unless the working layout is the user's (a cache to keep
    // whole) or the tarball is compressed (written as one stream)
    // a delta notes the blobs every base holds instead of fetching them: only those it carries all the same
    // (a referrer's) are fetched, once the selection is known
    DeferringStore.LeaveOut leaveOut = since == null ? DeferringStore.LeaveOut.NEVER
        : b -> !b.digest().equals(dev.airlock.verify.BundleSigner.EMPTY_DESCRIPTOR.digest())
            && since.everyHas(b.digest(), b.size());
    // compressed parts fetch large blobs straight into the compressor as well (peak disk: the parts)
    DeferringStore deferring = req.workDir() == null && (!req.zstd() || req.volumeSize() > 0)
        ? new DeferringStore(work, DeferringStore.DEFER_ABOVE, leaveOut) : null;
    DeferringStore deltaOnly = deferring == null && since != null
        ? new DeferringStore(work, Long.MAX_VALUE, leaveOut) : null;
    BundleSpec spec = req.spec();

    progress.phase("resolve", spec.images().size() + spec.charts().size() + spec.artifacts().size(), -1);
    List<PlannedEntry> entries;
    try {
      entries = new SpecResolver(spec, req.specDir(), req.lock(), stores, charts, work, progress).resolve();
    } catch (IOException | RuntimeException e) {
      if (freshWork && req.workDir() == null) {
        held.delete(); // nothing was fetched yet: no working directory is left behind
      }
      throw e;
    }
    String created = req.lock() != null ? req.lock().created()
        : (req.created() != null ? req.created() : Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString();
    BundleLock lock = BundleLock.of(spec.name(), created, entries.stream().map(PlannedEntry::lockEntry).toList());
    byte[] lockBytes = lock.toYaml();
    Path lockFile = lockFileFor(out);
    boolean lockExisted = Files.exists(lockFile);
    // a first bundle to this path gets its lock now (a killed run is resumed with --lock); over an existing
    // bundle, the new lock is moved into place with the new tarball, so the old one keeps its own
    boolean lockNow = !Files.exists(out) && req.volumeSize() <= 0;
    if (lockNow) {
      AtomicFiles.write(lockFile, lockBytes);
      readableByAll(lockFile);
    }

    long toFetch = FetchEstimate.bytesToFetch(entries, work, deferring != null ? DeferringStore.DEFER_ABOVE : Long.MAX_VALUE);
    try {
      DiskSpace.require(workDir, toFetch, "the working directory");
    } catch (IOException | RuntimeException e) {
      if (freshWork && req.workDir() == null) {
        held.delete(); // nothing fetched: neither the working directory nor a new lock file stays
        if (!lockExisted && lockNow) {
          Files.deleteIfExists(lockFile);
        }
      }
      throw e;
    }
    progress.phase("fetch", -1, toFetch);
    List<BundleContent.Copied> copies = new ArrayList<>();
    boolean referrers = spec.referrers().any();
    List<GraphCopier.Job> jobs = entries.stream().map(e -> new GraphCopier.Job(e.store(), e.repository(),
        e.digest().toString(), e.refRepository(), e.refTag(), e.platforms())).toList();
    try (GraphCopier copier = new GraphCopier(deferring != null ? deferring : deltaOnly != null ? deltaOnly : work,
        new GraphCopier.Options(List.of(), referrers,
        referrers && spec.referrers().cosignTags(), req.parallelism(), progress))) {
      List<GraphRecord> records = copier.copyAll(jobs, (job, r) ->
          progress.info("fetched " + job.dstRepo() + (job.dstTag() == null ? "" : ":" + job.dstTag())
              + " (" + r.root().digest().shortForm() + ")"));
      for (int i = 0; i < entries.size(); i++) {
        copies.add(new BundleContent.Copied(entries.get(i), records.get(i)));
      }
    }
    Map<Digest, Boolean> transferred = new HashMap<>();
    Map<Digest, Long> sizes = new HashMap<>();
    for (BundleContent.Copied c : copies) {
      for (GraphRecord.BlobSeen b : c.record().blobs()) {
        transferred.merge(b.digest(), b.transferred(), Boolean::logicalOr);
        sizes.put(b.digest(), b.size());
      }
    }
    int transferredCount = (int) transferred.values().stream().filter(t -> t).count();
    // found already there: left by an earlier run, or made by this one (charts and files packed while resolving)
    int madeHere = 0;
    for (Map.Entry<Digest, Boolean> e : transferred.entrySet()) {
      if (!e.getValue()) {
        Path f = work.blobPath(e.getKey());
        if (freshWork || (Files.exists(f) && Files.getLastModifiedTime(f).toMillis() >= runStart)) {
          madeHere++;
        }
      }
    }
    int alreadyThere = transferred.size() - transferredCount - madeHere;
    long transferredBytes = transferred.entrySet().stream().filter(Map.Entry::getValue)
        .mapToLong(e -> sizes.get(e.getKey())).sum();

    BundleContent content = BundleContent.of(work, copies, spec.referrers());
    delta = since == null ? null : DeltaSelection.select(content, since);
    if (delta != null) {
      // before the catalog reads the referrers' blobs: those every base holds were noted, not fetched
      java.util.Set<Digest> leftOutDigests = new java.util.HashSet<>();
      delta.leftOut().forEach(d -> leftOutDigests.add(d.digest()));
      DeferringStore.Settled settled = (deferring != null ? deferring : deltaOnly).settle(leftOutDigests);
      transferredCount -= settled.leftOutUnfetched();
      transferredBytes -= settled.leftOutUnfetchedBytes();
    }
    Path metaDir = Files.createDirectories(workDir.resolve(".bundle"));
    Path catalogFile = metaDir.resolve(BundleFormat.CATALOG_TITLE);
    BundleCatalog.build(spec, created, toolVersion, entries, content, work).writeTo(catalogFile);
    if (delta != null) {
      dev.airlock.delta.DeltaCatalog.record(catalogFile, delta.leftOut(), since.bases(), since::heldIn);
    }

    Map<Digest, Long> files = new java.util.TreeMap<>(content.files());
    if (delta != null) {
      delta.leftOut().forEach(d -> files.remove(d.digest()));
    }
    Descriptor catalog = Descriptor.of(BundleFormat.CATALOG_MEDIA_TYPE, sha256(catalogFile), Files.size(catalogFile))
        .withAnnotation(Descriptor.TITLE, BundleFormat.CATALOG_TITLE);
    work.putBlob("", catalog, () -> Files.newInputStream(catalogFile));
    Descriptor lockDesc = work.putBytes(BundleFormat.LOCK_MEDIA_TYPE, lockBytes)
        .withAnnotation(Descriptor.TITLE, BundleFormat.LOCK_TITLE);
    Descriptor specDesc = work.putBytes(BundleFormat.SPEC_MEDIA_TYPE, spec.raw().getBytes(StandardCharsets.UTF_8))
        .withAnnotation(Descriptor.TITLE, BundleFormat.SPEC_TITLE);
    List<Descriptor> metaLayers = new ArrayList<>(List.of(catalog, lockDesc, specDesc));
    if (req.tufRepo() != null) {
      metaLayers.add(tufRepoLayer(req.tufRepo(), metaDir, work));
    }
    for (SelfDistribution.Tarball t : req.selfDistributions()) { // bundle --include-self (since v2)
      Descriptor d = t.layer();
      work.putBlob("", d, () -> Files.newInputStream(t.file()));
      metaLayers.add(d);
    }
    Descriptor empty = work.putBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    ObjectNode meta = Json.MAPPER.createObjectNode();
    meta.put("schemaVersion", 2);
    meta.put("mediaType", MediaTypes.OCI_MANIFEST);
    meta.put("artifactType", BundleFormat.METADATA_ARTIFACT_TYPE);
    meta.set("config", empty.toTree());
    ArrayNode layers = meta.putArray("layers");
    for (Descriptor d : metaLayers) {
      layers.add(d.toTree());
      files.put(d.digest(), d.size());
    }
    files.put(empty.digest(), empty.size());
    Descriptor metaDesc = work.putBytes(MediaTypes.OCI_MANIFEST, Json.write(meta))
        .withArtifactType(BundleFormat.METADATA_ARTIFACT_TYPE);
    files.put(metaDesc.digest(), metaDesc.size());

    List<Descriptor> listed = listedManifests(entries, content);
    listed.add(metaDesc);
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_INDEX);
    root.put("artifactType", BundleFormat.ROOT_ARTIFACT_TYPE);
    ArrayNode ms = root.putArray("manifests");
    listed.forEach(d -> ms.add(d.toTree()));
    ObjectNode ann = root.putObject("annotations");
    ann.put(BundleFormat.ANNOTATION_BUNDLE_NAME, spec.name());
    ann.put(Descriptor.CREATED, created);
    ann.put(BundleFormat.ANNOTATION_FORMAT_VERSION,
        Integer.toString(delta != null ? BundleFormat.DELTA_FORMAT_VERSION : BundleFormat.FORMAT_VERSION));
    Descriptor rootDesc = work.putBytes(MediaTypes.OCI_INDEX, Json.write(root))
        .withArtifactType(BundleFormat.ROOT_ARTIFACT_TYPE);
    files.put(rootDesc.digest(), rootDesc.size());

    List<Descriptor> index = new ArrayList<>(listed);
    index.add(rootDesc.withAnnotation(Descriptor.REF_NAME, BundleFormat.ROOT_REF_NAME));
    if (signer != null) {
      BundleSignatureHook.Signature sig = signer.sign(rootDesc, catalog.digest(), lockDesc.digest(), spec.name(), created);
      for (BundleSignatureHook.Blob b : sig.blobs()) {
        work.putBlob("", b.descriptor(), () -> new java.io.ByteArrayInputStream(b.content()));
        files.put(b.descriptor().digest(), b.descriptor().size());
      }
      work.putBytes(sig.manifest().mediaType(), sig.manifest().bytesUnsafe());
      files.put(sig.manifest().digest(), (long) sig.manifest().size());
      index.add(sig.manifest().descriptor());
    }
    ObjectNode indexJson = Json.MAPPER.createObjectNode();
    indexJson.put("schemaVersion", 2);
    indexJson.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode arr = indexJson.putArray("manifests");
    index.forEach(d -> arr.add(d.toTree()));

    long stored = files.values().stream().mapToLong(Long::longValue).sum();
    BundleTarWriter.Result written;
    int fetched = transferredCount;
    int reused = alreadyThere;
    long fetchedBytes = transferredBytes;
    List<Path> parts = List.of();
    if (req.volumeSize() > 0) {
      DiskSpace.require(out.getParent(), stored + 1536L * (files.size() + 4), "the bundle's parts");
      progress.phase("fetch into the parts", files.size(), stored);
      Map<Digest, DeferringStore.Deferred> later = deferring != null ? deferring.deferred() : Map.of();
      dev.airlock.bundle.parts.PartWriter.Result pw = req.zstd()
          // compressed parts: cut while the tarball of the working directory's blobs is compressed
          ? dev.airlock.bundle.parts.CompressedPartWriter.write(new dev.airlock.bundle.parts.CompressedPartWriter.Request(
              out, req.volumeSize(), files, work::blobPath, work::verifiedHere, Json.write(indexJson), spec.name(),
              rootDesc.digest(), created, signer == null ? null : signer.partSigner(), req.onlyParts(), metaDir,
              (d, size) -> {
                DeferringStore.Deferred x = later.get(d);
                return x != null ? dev.airlock.oci.VerifyingInputStream.of(x.source().open(), d, size, "blob " + d + " from its source")
                    : BundleTarWriter.fromFiles(work::blobPath, work::verifiedHere).open(d, size);
              }), progress)
          : dev.airlock.bundle.parts.PartWriter.write(
          new dev.airlock.bundle.parts.PartWriter.Request(out, req.volumeSize(), files, d -> {
            DeferringStore.Deferred x = later.get(d);
            return x != null ? new TarAssembly.Fetched(x.source())
                : new TarAssembly.FromFile(work.blobPath(d), work.verifiedHere(d));
          }, Json.write(indexJson), req.parallelism(), spec.name(), rootDesc.digest(), created,
          signer == null ? null : signer.partSigner(), metaDir, req.onlyParts()), progress);
      written = new BundleTarWriter.Result(pw.bundleDigest(), pw.bundleSize());
      fetched -= pw.assembly().reused();
      fetchedBytes -= pw.assembly().reusedBytes();
      reused += pw.assembly().reused();
      parts = pw.written();
      Path catalogBeside = catalogFor(out);
      Path catalogTmp = AtomicFiles.tempBeside(catalogBeside);
      try {
        Files.copy(catalogFile, catalogTmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        readableByAll(catalogTmp);
        AtomicFiles.moveIntoPlace(catalogTmp, catalogBeside);
      } finally {
        Files.deleteIfExists(catalogTmp);
      }
      AtomicFiles.write(lockFile, lockBytes, "rw-r--r--");
    } else {
      // the tarball: every file and a header (and padding) of at most 1.5 KiB each, with the index
      long partial = deferring != null && Files.exists(metaDir.resolve(PARTIAL)) ? Files.size(metaDir.resolve(PARTIAL)) : 0;
      DiskSpace.require(deferring != null ? metaDir : out.getParent(), stored + 1536L * (files.size() + 4) - partial,
          "the bundle tarball");
      Path tmp = deferring != null ? metaDir.resolve(PARTIAL) : AtomicFiles.tempBeside(out);
      Path catalogTmp = null;
      Path sumsTmp = null;
      Path lockTmp = null;
      Path oldTarball = null;
      boolean done = false;
      try {
        if (deferring != null) {
          progress.phase("fetch into the bundle", files.size(), stored);
          Map<Digest, DeferringStore.Deferred> later = deferring.deferred();
          TarAssembly.Result a = TarAssembly.assemble(tmp, metaDir.resolve(PARTIAL_JOURNAL), files, d -> {
            DeferringStore.Deferred x = later.get(d);
            return x != null ? new TarAssembly.Fetched(x.source())
                : new TarAssembly.FromFile(work.blobPath(d), work.verifiedHere(d));
          }, Json.write(indexJson), req.parallelism(), progress);
          written = new BundleTarWriter.Result(a.digest(), a.size());
          // blobs an interrupted run had already put into its partial tarball were not fetched again
          fetched -= a.reused();
          fetchedBytes -= a.reusedBytes();
          reused += a.reused();
        } else {
          progress.phase("write", files.size(), stored);
          written = BundleTarWriter.write(tmp, files, work::blobPath, work::verifiedHere, Json.write(indexJson),
              req.zstd(), progress);
        }
        // every file beside the bundle is complete before any moves; an old tarball is moved away first, then
        // they move, the new tarball last: whenever a tarball is at the path, the files beside it are its own
        Path catalogBeside = catalogFor(out);
        catalogTmp = AtomicFiles.tempBeside(catalogBeside);
        Files.copy(catalogFile, catalogTmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        readableByAll(catalogTmp);
        Path sums = out.resolveSibling(out.getFileName() + ".sha256");
        sumsTmp = AtomicFiles.tempBeside(sums);
        Files.write(sumsTmp, (written.digest().hex() + "  " + out.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        readableByAll(sumsTmp);
        if (!lockNow) {
          lockTmp = AtomicFiles.tempBeside(lockFile);
          Files.write(lockTmp, lockBytes);
          readableByAll(lockTmp);
        }
        readableByAll(tmp);
        if (Files.exists(out)) {
          oldTarball = AtomicFiles.tempBeside(out); // a temp name: a killed run's is removed by the next
          publish(out, oldTarball);
        }
        publish(sumsTmp, sums);
        publish(catalogTmp, catalogBeside);
        if (lockTmp != null) {
          publish(lockTmp, lockFile);
        }
        publish(tmp, out);
        done = true;
      } finally {
        if (deferring == null || done) {
          Files.deleteIfExists(tmp); // a partial tarball in the working directory stays for the next run
        }
        for (Path p : new Path[] {catalogTmp, sumsTmp, lockTmp, oldTarball}) {
          if (p != null) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
    if (req.workDir() == null) {
      held.delete(); // a directory the user named is theirs: it stays, as a cache for the next bundle
    }
    long referenced = content.manifests.values().stream()
        .flatMap(m -> m.blobs().stream()).mapToLong(Descriptor::size).sum();
    long storedBlobs = content.blobs.values().stream().mapToLong(Descriptor::size).sum();
    return new Result(out, written.digest(), written.size(), lockFile, catalogFor(out), entries.size(), files.size(),
        storedBlobs, referenced, fetched, fetchedBytes, reused, content.blobs.size(), content.manifests.size(), madeHere,
        parts);
  }

  /** The TUF repository as the deterministic tar {@link TufRepoArchive} writes, stored as a blob. */
  private static Descriptor tufRepoLayer(Path dir, Path metaDir, LayoutStore work) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new dev.airlock.InvalidInputException("--tuf-repo " + dir + " is not a directory");
    }
    Path tar = metaDir.resolve(BundleFormat.TUF_REPO_TITLE);
    try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tar))) {
      TufRepoArchive.write(dir, out);
    }
    Descriptor d = Descriptor.of(BundleFormat.TUF_REPO_MEDIA_TYPE, sha256(tar), Files.size(tar))
        .withAnnotation(Descriptor.TITLE, BundleFormat.TUF_REPO_TITLE);
    work.putBlob("", d, () -> Files.newInputStream(tar));
    return d;
  }

  /** index.json entries for the spec entries (by full reference) and the referrers kept. */
  private static List<Descriptor> listedManifests(List<PlannedEntry> entries, BundleContent content) {
    Map<String, Descriptor> out = new LinkedHashMap<>();
    for (PlannedEntry e : entries) {
      BundleContent.ManifestInfo m = content.manifests.get(e.digest());
      Descriptor d = Descriptor.of(m.mediaType(), m.digest(), m.size()).withArtifactType(m.artifactType())
          .withAnnotation(Descriptor.REF_NAME, e.refName());
      out.putIfAbsent(e.refName(), d);
    }
    for (BundleContent.Referrer r : content.referrers) {
      BundleContent.ManifestInfo m = content.manifests.get(r.seen().digest());
      Descriptor d = Descriptor.of(m.mediaType(), m.digest(), m.size()).withArtifactType(m.artifactType());
      if (r.refName() != null) {
        d = d.withAnnotation(Descriptor.REF_NAME, r.refName());
        out.putIfAbsent(r.refName(), d);
      } else {
        out.putIfAbsent(m.digest().toString(), d);
      }
    }
    return new ArrayList<>(out.values());
  }

  /** Temp files are created owner-only; what the bundler publishes is rw-r--r--, like any written file. */
  private static void readableByAll(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: leave the defaults
    }
  }

  private static void removeStaleTemps(Path out) throws IOException {
    Path dir = out.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "." + out.getFileName() + ".*.tmp")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Digest sha256(Path file) throws IOException {
    return FileArtifactPacker.sha256(file);
  }
}
