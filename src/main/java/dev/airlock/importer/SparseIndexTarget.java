package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.manifestlists.FilteredIndex;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryError;
import dev.airlock.registry.RegistryException;
import dev.airlock.registry.RegistryNotFoundException;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts each platform-filtered (sparse) index of the plan as its {@link SparseIndexMode} says, and passes
 * every other manifest through. The original goes byte for byte, or the filtered index
 * ({@link FilteredIndex}) goes in its place under the same tag; in {@code auto} the original is offered
 * first, and a target that refuses it for its absent children (a distribution error such as
 * {@code MANIFEST_BLOB_UNKNOWN}) gets the filtered index instead. The first refusal decides for the rest of
 * the import, so the registry is asked once. A tag that already holds this import's filtered index (an
 * earlier run) keeps it without the original being offered again.
 *
 * <p>Sits above the {@link CountingTarget}, so a put it passes on is counted (or skipped when already
 * there) like any other; it is called only once the index's carried children are at the target.
 */
final class SparseIndexTarget extends ForwardingStore {
  /** Distribution error codes with which a registry refuses an index whose children it does not hold. */
  static final Set<String> ABSENT_CHILD_CODES = Set.of("MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN",
      "MANIFEST_INVALID");

  private final SparseIndexMode mode;
  private final String targetName;
  /** "repository@original digest" -> the item whose index it is. */
  private final Map<String, ImportItem> sparse = new HashMap<>();
  private final AtomicReference<String> refusal = new AtomicReference<>();
  private final Map<String, IndexPlacement> placements = new ConcurrentHashMap<>();

  SparseIndexTarget(ContentStore delegate, String targetName, List<ImportItem> items, SparseIndexMode mode) {
    super(delegate);
    this.mode = mode;
    this.targetName = targetName;
    for (ImportItem i : items) {
      if (i.sparse()) {
        sparse.putIfAbsent(i.targetRepository() + "@" + i.digest(), i);
      }
    }
  }

  /** What was put for each sparse index, keyed {@code repository:reference}. */
  Map<String, IndexPlacement> placements() {
    return Map.copyOf(placements);
  }

  /** The placement for an item, or null when none was put (not sparse, or the import stopped before). */
  IndexPlacement placement(ImportItem i) {
    return placements.get(i.targetRepository() + ":" + i.targetReference());
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    ImportItem item = sparse.get(repository + "@" + manifest.digest());
    if (item == null) {
      delegate.putManifest(repository, manifest, tag);
      return;
    }
    RawManifest filtered = filteredOf(item, manifest);
    switch (mode) {
      case FILTER -> put(repository, filtered, tag, manifest, "--sparse-index=filter");
      case KEEP, FAIL -> {
        try {
          put(repository, manifest, tag, manifest, "kept byte-for-byte (--sparse-index=" + mode.id() + ")");
        } catch (AirlockException e) {
          if (refusal(e) == null) {
            throw e;
          }
          throw new AirlockException(targetName + " refused the platform-filtered index " + manifest.digest() + " of "
              + item.sourceRef() + " (" + refusal(e) + "): --sparse-index=" + mode.id() + " keeps only the original;"
              + " its carried platforms were pushed, its tag was not (--sparse-index=auto pushes a filtered index"
              + " instead)", e);
        }
      }
      case AUTO, PLATFORM_TAGS -> {
        String refused = refusal.get();
        if (refused != null) {
          put(repository, filtered, tag, manifest, "the registry refused an earlier platform-filtered index (" + refused + ")");
          return;
        }
        if (tag != null && at(repository, tag).filter(filtered.digest()::equals).isPresent()) {
          put(repository, filtered, tag, manifest, "already at the target, from an earlier import");
          return;
        }
        try {
          put(repository, manifest, tag, manifest, "the target accepted the original byte-for-byte");
        } catch (AirlockException e) {
          String why = refusal(e);
          if (why == null) {
            throw e;
          }
          refusal.compareAndSet(null, why);
          put(repository, filtered, tag, manifest, "the registry refused the original (" + why + ")");
        }
      }
    }
  }

  private void put(String repository, RawManifest m, String tag, RawManifest original, String reason)
      throws IOException {
    super.putManifest(repository, m, tag);
    String ref = tag != null ? tag : original.digest().toString();
    placements.put(repository + ":" + ref, new IndexPlacement(repository, ref, original.digest(), m.descriptor(), reason));
  }

  private Optional<Digest> at(String repository, String tag) throws IOException {
    try {
      return delegate.resolve(repository, tag).map(Descriptor::digest);
    } catch (AirlockException e) {
      return Optional.empty();
    }
  }

  static RawManifest filteredOf(ImportItem item, RawManifest original) {
    Set<Digest> carried = new HashSet<>();
    item.presentChildren().forEach(c -> carried.add(c.digest()));
    RawManifest f = FilteredIndex.of(original, carried).filtered();
    if (!f.digest().equals(item.filtered().digest())) { // the plan said which digest: the same function, the same bytes
      throw new IllegalStateException("filtered index of " + original.digest() + " is " + f.digest() + ", planned "
          + item.filtered().digest());
    }
    return f;
  }

  /**
   * The registry's answer in words ({@code HTTP 400 MANIFEST_BLOB_UNKNOWN: blob unknown to registry}) when
   * {@code e} is its refusal of an index because children it lists are not there; else null.
   */
  static String refusal(AirlockException e) {
    RegistryError err = e instanceof RegistryException r ? r.error()
        : e instanceof RegistryNotFoundException n ? n.error() : null;
    if (err == null) {
      return null;
    }
    int s = err.status();
    if (!(s == 400 || s == 404 || s == 422) || err.code() == null || !ABSENT_CHILD_CODES.contains(err.code())) {
      return null;
    }
    String detail = err.detail();
    return "HTTP " + s + " " + err.code() + (detail == null || detail.isBlank() ? "" : ": " + oneLine(detail));
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > 160 ? t.substring(0, 160) + "..." : t;
  }
}
