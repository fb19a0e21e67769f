package dev.airlock.receipt;

import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Takes the inventory of repositories of a target (a registry or an OCI layout): for each repository its tags,
 * every manifest reached from them (an index's children that are there, and each manifest's referrers), and
 * every blob those manifests reference that the target holds (asked of it: a HEAD on a registry), with the size
 * the manifest gives. The same walk describes a target
 * after an import and a target airlock did not fill ({@code airlock receipt --from}), so the two receipts are
 * equal for equal content. Manifests are read one at a time; what was seen lives in the {@link DigestInventory}.
 */
public final class TargetInventory {
  private TargetInventory() {}

  /** Told of each repository as its walk starts. */
  @FunctionalInterface
  public interface Listener {
    void repository(String repository, int tags);

    Listener NONE = (r, t) -> {};
  }

  /** Blobs asked of the target at once (a manifest's blobs are asked together). */
  static final int QUERIES = 8;

  public static void walk(ContentStore store, Collection<String> repositories, DigestInventory into, Listener listener)
      throws IOException {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(QUERIES,
        dev.airlock.Futures.daemon("airlock-receipt"));
    try {
      walk(store, repositories, into, listener, pool);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void walk(ContentStore store, Collection<String> repositories, DigestInventory into,
      Listener listener, java.util.concurrent.ExecutorService pool) throws IOException {
    for (String repo : repositories) {
      var tags = store.tags(repo);
      listener.repository(repo, tags.size());
      for (String tag : tags) {
        Optional<Descriptor> d = store.resolve(repo, tag);
        if (d.isEmpty()) {
          continue; // removed while listed
        }
        into.addTag(repo, tag, d.get().digest());
        manifest(store, repo, d.get().digest(), into, pool);
      }
    }
    into.flush();
  }

  private static void manifest(ContentStore store, String repo, Digest digest, DigestInventory into,
      java.util.concurrent.ExecutorService pool) throws IOException {
    if (into.manifestSize(digest).isPresent()) {
      return;
    }
    RawManifest m;
    try {
      m = store.getManifest(repo, digest.toString());
    } catch (NotFoundException e) {
      return; // an index child left out (a sparse index), or a referrer whose manifest is gone
    }
    into.addManifest(digest, m.size());
    if (m.isIndex()) {
      for (Descriptor c : m.manifests()) {
        if (MediaTypes.isManifest(c.mediaType()) || c.mediaType() == null) {
          if (store.resolve(repo, c.digest().toString()).isPresent()) {
            manifest(store, repo, c.digest(), into, pool);
          }
        }
      }
    } else {
      java.util.List<Descriptor> ask = new java.util.ArrayList<>();
      java.util.Set<Digest> asked = new java.util.HashSet<>();
      for (Descriptor b : m.children()) {
        if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) || !b.urls().isEmpty()) {
          continue; // never stored by a registry
        }
        if (into.blobSize(b.digest()).isPresent() || !asked.add(b.digest())) {
          continue;
        }
        ask.add(b);
      }
      // listed only when the target really holds it, at the size the manifest gives: a blob lost to a
      // garbage collection (or never uploaded) must not reach a receipt, or a delta would leave it out.
      // The manifest's blobs are asked at once (HEADs on a registry), QUERIES at a time.
      java.util.List<java.util.concurrent.Callable<OptionalLong>> heads = new java.util.ArrayList<>();
      for (Descriptor b : ask) {
        heads.add(() -> store.blobSize(repo, b.digest()));
      }
      java.util.List<OptionalLong> held = ask.size() == 1 ? java.util.List.of(store.blobSize(repo, ask.get(0).digest()))
          : all(pool, heads);
      for (int i = 0; i < ask.size(); i++) {
        Descriptor b = ask.get(i);
        if (held.get(i).isPresent() && held.get(i).getAsLong() == b.size()) {
          into.addBlob(b.digest(), b.size(), repo); // the first repository (sorted) reaching it
        }
      }
    }
    for (Descriptor r : store.referrers(repo, digest, null)) {
      manifest(store, repo, r.digest(), into, pool);
    }
  }

  private static java.util.List<OptionalLong> all(java.util.concurrent.ExecutorService pool,
      java.util.List<java.util.concurrent.Callable<OptionalLong>> heads) throws IOException {
    if (heads.isEmpty()) {
      return java.util.List.of();
    }
    try {
      java.util.List<OptionalLong> out = new java.util.ArrayList<>();
      for (java.util.concurrent.Future<OptionalLong> f : pool.invokeAll(heads)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while asking the target for its blobs");
    } catch (java.util.concurrent.ExecutionException e) {
      throw dev.airlock.Futures.rethrow(e.getCause());
    }
  }
}
