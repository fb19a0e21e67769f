package dev.airlock.importer;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.manifestlists.FilteredIndex;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Reference;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Builds the {@link ImportPlan}: reads the bundle and asks the target what it holds; pushes nothing. */
public final class ImportPlanner {
  /** Cosign tag-scheme referrers travel with their subject, not as items of their own. */
  static final Pattern COSIGN_TAG = Pattern.compile("sha(256|512)-[0-9a-f]+\\.(sig|att|sbom)");
  static final String[] COSIGN_SUFFIXES = {".sig", ".att", ".sbom"};

  private final BundleContent bundle;
  private final ImportTarget target;
  private final ReferenceMapper mapper;
  private final ContentStore lookup;
  private final SparseIndexMode sparseMode;

  /** {@code lookup} answers what the target holds (the target's store, or a view of it that remembers). */
  public ImportPlanner(BundleContent bundle, ImportTarget target, ReferenceMapper mapper, ContentStore lookup,
      SparseIndexMode sparseMode) {
    this.bundle = bundle;
    this.target = target;
    this.mapper = mapper;
    this.lookup = lookup;
    this.sparseMode = sparseMode;
  }

  public ImportPlanner(BundleContent bundle, ImportTarget target, ReferenceMapper mapper, ContentStore lookup) {
    this(bundle, target, mapper, lookup, SparseIndexMode.AUTO);
  }

  static String sourceName(ImportItem i) {
    return Reference.parse(i.sourceRef()).name();
  }

  public ImportPlan plan() throws IOException {
    ContentStore src = bundle.store();
    List<ImportItem> items = new ArrayList<>();
    Map<String, String> mapping = new TreeMap<>();
    Map<String, String> targetToSource = new LinkedHashMap<>();
    List<String> warnings = new ArrayList<>();
    for (Descriptor d : bundle.entries()) {
      String ref = d.annotation(Descriptor.REF_NAME);
      if (ref == null || BundleFormat.ROOT_REF_NAME.equals(ref)) {
        continue;
      }
      int slash = ref.lastIndexOf('/');
      int colon = ref.lastIndexOf(':');
      if (slash < 0 || colon < slash) {
        warnings.add("index.json entry '" + ref + "' is not a full reference; left out");
        continue;
      }
      String srcRepo = ref.substring(0, colon);
      String tag = ref.substring(colon + 1);
      if (COSIGN_TAG.matcher(tag).matches()) {
        continue;
      }
      Reference r = Reference.parse(ref);
      String dstRepo = mapper.map(r);
      String previous = targetToSource.putIfAbsent(dstRepo, r.name());
      if (previous != null && !previous.equals(r.name())) {
        throw new InvalidInputException("both " + previous + " and " + r.name() + " would be imported as " + dstRepo
            + "; use --keep-host (or --prefix) so they stay apart");
      }
      mapping.put(r.name(), (target.isRegistry() ? target.host() + "/" : "") + dstRepo);
      String dstTag = tag.equals(d.digest().tagForm()) ? null : tag;
      List<Descriptor> present = new ArrayList<>();
      List<Descriptor> absent = new ArrayList<>();
      Descriptor filtered = null;
      if (MediaTypes.isIndex(d.mediaType())) {
        RawManifest idx = src.getManifest(srcRepo, d.digest().toString());
        Set<Digest> carried = new HashSet<>();
        for (Descriptor c : idx.manifests()) {
          if (src.hasBlob(srcRepo, c.digest())) {
            present.add(c);
            carried.add(c.digest());
          } else {
            absent.add(c);
          }
        }
        if (!absent.isEmpty()) {
          filtered = FilteredIndex.of(idx, carried).filtered().descriptor();
        }
      }
      items.add(new ImportItem(ref, srcRepo, tag, Descriptor.of(d.mediaType(), d.digest(), d.size()), dstRepo, dstTag,
          present, absent, filtered));
    }
    return stats(items, mapping, warnings);
  }

  private ImportPlan stats(List<ImportItem> items, Map<String, String> mapping, List<String> warnings) throws IOException {
    Map<String, Descriptor> blobs = new LinkedHashMap<>();
    Set<String> manifests = new HashSet<>();
    for (ImportItem i : items) {
      new Walk(i, blobs, manifests).tree(i.digest());
    }
    long bytes = 0;
    long existing = 0;
    long existingBytes = 0;
    List<Boolean> present = presence(blobs);
    Map<dev.airlock.oci.Digest, Long> toUpload = new java.util.HashMap<>();
    Set<dev.airlock.oci.Digest> held = new HashSet<>();
    int k = 0;
    for (Descriptor b : blobs.values()) {
      bytes += b.size();
      if (present.get(k++)) {
        existing++;
        existingBytes += b.size();
        held.add(b.digest());
      } else {
        toUpload.put(b.digest(), b.size());
      }
    }
    toUpload.keySet().removeAll(held);
    long uploadBytes = toUpload.values().stream().mapToLong(Long::longValue).sum();
    Set<String> repos = new java.util.TreeSet<>();
    items.forEach(i -> repos.add(i.targetRepository()));
    PushAccess access = target.access() == null ? PushAccess.unchecked("auth: not checked") : target.access().check(repos);
    return new ImportPlan(target.spec(), target.features(), target.isRegistry(), items, mapping, blobs.size(), bytes,
        existing, existingBytes, uploadBytes, manifests.size(), warnings, access, sparseMode);
  }

  /** Whether the target holds each blob ({@code repository@digest} keys), asked several at a time. */
  private List<Boolean> presence(Map<String, Descriptor> blobs) throws IOException {
    List<java.util.concurrent.Callable<Boolean>> asks = new ArrayList<>();
    for (Map.Entry<String, Descriptor> e : blobs.entrySet()) {
      String repo = e.getKey().substring(0, e.getKey().indexOf('@'));
      Digest d = e.getValue().digest();
      asks.add(() -> lookup.hasBlob(repo, d));
    }
    if (asks.isEmpty()) {
      return List.of();
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
        Math.min(PRESENCE_QUERIES, asks.size()), dev.airlock.Futures.daemon("airlock-plan"));
    try {
      List<Boolean> out = new ArrayList<>();
      for (java.util.concurrent.Future<Boolean> f : pool.invokeAll(asks)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while asking the target what it holds");
    } catch (java.util.concurrent.ExecutionException e) {
      throw dev.airlock.Futures.rethrow(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Blob presence questions in flight at once while planning. */
  private static final int PRESENCE_QUERIES = 8;

  /** The manifests and blobs one item brings, referrers included (as GraphCopier will copy them). */
  private final class Walk {
    final ImportItem item;
    final Map<String, Descriptor> blobs;
    final Set<String> manifests;

    Walk(ImportItem item, Map<String, Descriptor> blobs, Set<String> manifests) {
      this.item = item;
      this.blobs = blobs;
      this.manifests = manifests;
    }

    void tree(Digest d) throws IOException {
      ContentStore src = bundle.store();
      if (!manifests.add(item.targetRepository() + "@" + d) || !src.hasBlob(item.sourceRepository(), d)) {
        return;
      }
      RawManifest m = src.getManifest(item.sourceRepository(), d.toString());
      if (m.isIndex()) {
        for (Descriptor c : m.manifests()) {
          tree(c.digest());
        }
      } else {
        for (Descriptor b : m.children()) {
          if (!MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) && b.urls().isEmpty()) {
            blobs.putIfAbsent(item.targetRepository() + "@" + b.digest(), b);
          }
        }
      }
      for (Descriptor r : src.referrers(item.sourceRepository(), d, null)) {
        tree(r.digest());
      }
      for (String suffix : COSIGN_SUFFIXES) {
        try {
          src.resolve(item.sourceRepository(), d.tagForm() + suffix).ifPresent(x -> treeUnchecked(x.digest()));
        } catch (NotFoundException e) {
          // no such cosign tag
        }
      }
    }

    private void treeUnchecked(Digest d) {
      try {
        tree(d);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
