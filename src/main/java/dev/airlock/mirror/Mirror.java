package dev.airlock.mirror;

import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundler.PlannedEntry;
import dev.airlock.bundler.SourceStores;
import dev.airlock.bundler.SpecResolver;
import dev.airlock.charts.ChartRepository;
import dev.airlock.importer.BundleContent;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.RegistryTargets;
import dev.airlock.oci.Digest;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code airlock mirror SPEC --to TARGET}: registry to registry from a bundle spec, with no bundle in
 * between. The phases: resolve the spec as {@code bundle} does (tags, tag filters, chart ranges, platform
 * filters); walk the sources' manifests to what a bundle would hold (referrer rules included); then the
 * import's own path over that content: the policy evaluated on the sources before anything is pushed, the
 * plan, the push (each blob once, streamed from source to target, mounts), the proof, mirror configuration
 * and the history record.
 *
 * <p>Nothing large touches the disk: blobs stream from the source's reader into the target's upload, each
 * checked against its digest as it flows. Only charts from HTTP repositories and local files of the spec are
 * packed into a small temporary layout, removed at the end.
 */
public final class Mirror {
  /** What was mirrored: each spec entry's name and digest, and the import's result. */
  public record Result(List<Entry> entries, ImportResult imported, int manifests, int blobs, long blobBytes) {}

  /** One resolved spec entry: its key in the spec, its name and its digest. */
  public record Entry(String kind, String key, String refName, Digest digest) {}

  /** Smallest and largest source download window (see {@link #downloadWindow}). */
  static final long MIN_WINDOW = 1L << 20;
  static final long MAX_WINDOW = 64L << 20;

  /**
   * The {@code Range} window for source blobs ({@link dev.airlock.registry.RegistryOptions#withDownloadWindow}):
   * a quarter of {@code maxHeap} shared by {@code streams} blobs in flight, between 1 and 64 MiB (4 MiB for
   * 8 streams in a 128 MiB heap). A source blob's bytes wait for the target's upload (between two chunks,
   * or while the target writes), and the JDK client reads a response ahead of a paused reader by as much
   * as it has left, many MiB per connection; one window per request bounds that, whatever the layer size.
   */
  public static long downloadWindow(int streams, long maxHeap) {
    long w = maxHeap / 4 / Math.max(1, streams);
    return Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, w));
  }

  private final SourceStores stores;
  private final ChartRepository charts;
  private final RegistryTargets targets;

  public Mirror(SourceStores stores, ChartRepository charts, RegistryTargets targets) {
    this.stores = stores;
    this.charts = charts;
    this.targets = targets;
  }

  /**
   * Mirrors {@code spec} ({@code specFile} names it in the history and in messages) as {@code options} say;
   * the options' {@code verify} request carries the policy.
   */
  public Result run(BundleSpec spec, Path specFile, BundleImporter.Options options) throws IOException {
    ProgressListener progress = mirrorPhases(options.progress() == null ? ProgressListener.NONE : options.progress());
    Path work = Files.createTempDirectory("airlock-mirror-");
    try (LayoutStore packed = LayoutStore.openOrCreate(work)) {
      progress.phase("resolve", spec.images().size() + spec.charts().size() + spec.artifacts().size(), -1);
      Path specDir = specFile.toAbsolutePath().normalize().getParent();
      List<PlannedEntry> entries = new SpecResolver(spec, specDir, null, stores, charts, packed, progress).resolve();
      progress.phase("walk", -1, -1);
      SourceGraph graph = new SourceWalk(spec.referrers(), progress).walk("the sources of " + specFile, entries);
      BundleContent content = new BundleContent(specFile, graph, graph.entries(), null, spec.name());
      ImportResult r = new BundleImporter(new SourcePolicyVerifier(), targets).run(content, options.withProgress(progress));
      return new Result(entries.stream().map(e -> new Entry(e.kind(), e.key(), e.refName(), e.digest())).toList(), r,
          graph.manifestCount(), graph.blobCount(), graph.blobBytes());
    } finally {
      deleteTree(work);
    }
  }

  /** The import's "verify" phase is, for a mirror, the policy on the sources: named so. */
  private static ProgressListener mirrorPhases(ProgressListener p) {
    return new ProgressListener() {
      @Override
      public void phase(String name, long totalItems, long totalBytes) {
        p.phase("verify".equals(name) ? "policy" : name, totalItems, totalBytes);
      }

      @Override
      public void bytes(long bytes) {
        p.bytes(bytes);
      }

      @Override
      public void item(String what, boolean skipped) {
        p.item(what, skipped);
      }

      @Override
      public void info(String message) {
        p.info(message);
      }
    };
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
