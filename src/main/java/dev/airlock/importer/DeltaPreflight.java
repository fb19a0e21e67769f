package dev.airlock.importer;

import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.delta.DeltaBases;
import dev.airlock.delta.DeltaCatalog;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Before a delta bundle (format version 3) pushes anything: the target must hold every blob the delta left out.
 * Each blob an item needs and the bundle does not carry is asked for (HEAD, several at once) in the repository
 * that needs it, then in the import's other repositories (found there, it is mounted across when pushed). One
 * missing fails the import closed, exit 3, naming the blobs, the images that need them and the receipt they were
 * expected by. The delta must also be for this target: a receipt of another target is refused.
 */
final class DeltaPreflight {
  private DeltaPreflight() {}

  /** Blobs asked about at once. */
  private static final int QUERIES = 8;

  /** What the check found: null for a full bundle. */
  record Checked(int expected, int uses, int inOtherRepositories, String bases) {
    String line() {
      return "delta: " + expected + " blobs left out of the bundle are at the target (" + uses + " uses by the"
          + " repositories imported into" + (inOtherRepositories == 0 ? "" : ", " + inOtherRepositories
          + " found in another repository, mounted from it") + "); computed against " + bases;
    }
  }

  /**
   * @param targetName the target as messages name it
   * @param receiptName the name the delta's receipts must give it (its own name, or --receipt-target)
   */
  static Checked check(BundleContent bundle, ImportPlan plan, CountingTarget target, String targetName,
      String receiptName) throws IOException {
    ContentStore src = bundle.store();
    Path catalog = deltaCatalog(bundle);
    if (catalog == null) {
      return null;
    }
    try (DeltaCatalog delta = DeltaCatalog.open(catalog)) {
      if (delta == null) {
        throw new VerificationException("bundle " + bundle.path() + " declares format version 3 (a delta) but its"
            + " catalog records no expected blobs; nothing was imported");
      }
      List<DeltaBases.Base> bases = delta.bases();
      String basesText = String.join(", ", bases.stream().map(DeltaCatalog::describe).toList());
      List<String> receiptTargets = bases.stream().filter(b -> b.target() != null).map(DeltaBases.Base::target).toList();
      if (!receiptTargets.isEmpty() && !receiptTargets.contains(receiptName)) {
        throw new VerificationException("delta bundle " + bundle.path() + " was computed against " + basesText
            + ", not a receipt of " + receiptName + "; nothing was imported (import it where the receipt was taken, give"
            + " --receipt-target NAME when this is that target under another name, or bundle again --since a receipt of "
            + targetName + ")");
      }
      // (repository, blob) -> the images that need it
      Map<String, Need> needs = new LinkedHashMap<>();
      for (ImportItem i : plan.items()) {
        walk(src, i, i.digest(), needs, new java.util.HashSet<>());
      }
      TreeSet<String> repositories = new TreeSet<>();
      plan.items().forEach(i -> repositories.add(i.targetRepository()));
      List<Callable<String>> asks = new ArrayList<>();
      for (Need n : needs.values()) {
        asks.add(() -> where(target, n, repositories));
      }
      List<String> found = ask(asks);
      // each missing blob once, with every image that needs it
      Map<Digest, List<String>> missingFor = new LinkedHashMap<>();
      Map<Digest, Long> missingSize = new LinkedHashMap<>();
      int elsewhere = 0;
      int k = 0;
      for (Need n : needs.values()) {
        String at = found.get(k++);
        if (at == null) {
          missingFor.computeIfAbsent(n.blob().digest(), d -> new ArrayList<>()).addAll(n.images());
          missingSize.put(n.blob().digest(), n.blob().size());
        } else if (!at.equals(n.repository())) {
          elsewhere++;
        }
      }
      List<String> missing = new ArrayList<>();
      for (var e : missingFor.entrySet()) {
        missing.add(e.getKey() + " (" + missingSize.get(e.getKey()) + " bytes, " + (delta.expected(e.getKey())
            .isPresent() ? "expected at the target" : "not carried") + ") for " + String.join(", ", e.getValue()));
      }
      if (!missing.isEmpty()) {
        throw new VerificationException("delta bundle " + bundle.path() + " needs " + missing.size() + " blob"
            + (missing.size() == 1 ? "" : "s") + " that " + targetName + " does not have, nothing was pushed: "
            + String.join("; ", missing.subList(0, Math.min(20, missing.size())))
            + (missing.size() > 20 ? "; and " + (missing.size() - 20) + " more" : "") + "; expected there by "
            + basesText + " (the target lost them, e.g. garbage-collected: take a fresh receipt with airlock receipt"
            + " --from and bundle again --since it, or bundle without --since)");
      }
      long distinct = needs.values().stream().map(n -> n.blob().digest()).distinct().count();
      return new Checked((int) distinct, needs.size(), elsewhere, basesText);
    } finally {
      Files.deleteIfExists(catalog);
    }
  }

  private record Need(String repository, Descriptor blob, List<String> images) {}

  private static void walk(ContentStore src, ImportItem item, Digest d, Map<String, Need> needs,
      java.util.Set<Digest> seen) throws IOException {
    if (!seen.add(d) || !src.hasBlob(item.sourceRepository(), d)) {
      return; // an index child left out by the platform filter
    }
    RawManifest m = src.getManifest(item.sourceRepository(), d.toString());
    if (m.isIndex()) {
      for (Descriptor c : m.manifests()) {
        walk(src, item, c.digest(), needs, seen);
      }
      return;
    }
    for (Descriptor b : m.children()) {
      if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) || !b.urls().isEmpty()
          || src.hasBlob(item.sourceRepository(), b.digest())) {
        continue;
      }
      needs.computeIfAbsent(item.targetRepository() + "@" + b.digest(),
          k -> new Need(item.targetRepository(), b, new ArrayList<>())).images().add(item.sourceRef());
    }
  }

  /** The repository of the target holding the blob: the one that needs it first, then the import's others. */
  private static String where(CountingTarget target, Need n, TreeSet<String> repositories) throws IOException {
    if (present(target, n.repository(), n.blob())) {
      return n.repository();
    }
    for (String r : repositories) {
      if (!r.equals(n.repository()) && present(target, r, n.blob())) {
        return r; // noted as its holder: the push mounts it from there
      }
    }
    return null;
  }

  private static boolean present(CountingTarget target, String repo, Descriptor blob) throws IOException {
    var s = target.blobSize(repo, blob.digest());
    return s.isPresent() && s.getAsLong() == blob.size();
  }

  private static List<String> ask(List<Callable<String>> asks) throws IOException {
    if (asks.isEmpty()) {
      return List.of();
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(QUERIES, asks.size()), Futures.daemon("airlock-delta"));
    try {
      List<String> out = new ArrayList<>();
      for (Future<String> f : pool.invokeAll(asks)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while asking the target for the delta's base blobs");
    } catch (java.util.concurrent.ExecutionException e) {
      throw Futures.rethrow(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The verified catalog of a delta bundle (format version 3) in a temporary file, or null for an earlier version:
   * read by digest from the root (verified, and signed when the bundle is), never from beside the bundle.
   */
  private static Path deltaCatalog(BundleContent bundle) throws IOException {
    if (bundle.rootDigest() == null) {
      return null;
    }
    ContentStore src = bundle.store();
    RawManifest root = src.getManifest("", bundle.rootDigest().toString());
    String v = root.annotations().get(BundleFormat.ANNOTATION_FORMAT_VERSION);
    if (v == null || BundleFormat.formatVersion(v) < BundleFormat.DELTA_FORMAT_VERSION) {
      return null;
    }
    for (Descriptor d : root.manifests()) {
      if (!BundleFormat.METADATA_ARTIFACT_TYPE.equals(d.artifactType())) {
        continue;
      }
      RawManifest meta = src.getManifest("", d.digest().toString());
      for (Descriptor l : meta.layers()) {
        if (BundleFormat.CATALOG_MEDIA_TYPE.equals(l.mediaType())) {
          Path tmp = Files.createTempFile("airlock-delta-catalog-", ".db");
          try (InputStream in = src.openBlob("", l)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
          }
          return tmp;
        }
      }
    }
    throw new VerificationException("bundle " + bundle.path() + ": the root has no catalog; nothing was imported");
  }
}
