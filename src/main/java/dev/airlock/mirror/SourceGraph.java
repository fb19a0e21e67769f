package dev.airlock.mirror;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a bundle of the spec would hold, read live from its sources: the spec's entries under their names in
 * a bundle ({@code registry/repository:tag}), the manifests the platform filter keeps, the blobs they use and
 * the referrers the spec's rules take. Read-only; every byte comes from the source store when asked (blobs
 * stream through, verified by the source's reader), nothing is kept on disk. Built by {@link SourceWalk}.
 *
 * <p>Repositories are the bundle's names ({@code 127.0.0.1:5000/team/app}); each maps to the source store
 * and repository it is read from. A manifest or blob the walk did not take (a platform left out, a referrer
 * of a kind not asked for) is absent here, as it would be from the bundle.
 */
final class SourceGraph implements ContentStore {
  /** One repository of the graph: where it is read from and what of it is taken. */
  static final class Repo {
    final ContentStore store;
    final String repository;
    final Map<Digest, Descriptor> manifests = new ConcurrentHashMap<>();
    final Map<Digest, Descriptor> blobs = new ConcurrentHashMap<>();
    final Map<Digest, List<Descriptor>> referrers = new ConcurrentHashMap<>();
    final Map<String, Descriptor> tags = new TreeMap<>();

    Repo(ContentStore store, String repository) {
      this.store = store;
      this.repository = repository;
    }
  }

  private final String describe;
  private final Map<String, Repo> repos;
  private final List<Descriptor> entries;
  private final ManifestCache cache;

  SourceGraph(String describe, Map<String, Repo> repos, List<Descriptor> entries, ManifestCache cache) {
    this.describe = describe;
    this.repos = new LinkedHashMap<>(repos);
    this.entries = List.copyOf(entries);
    this.cache = cache;
  }

  /** The spec's entries as a bundle's index.json lists them: media type, digest, size and ref name. */
  List<Descriptor> entries() {
    return entries;
  }

  /** Manifests and blobs taken, each counted once per repository (for messages). */
  int manifestCount() {
    return repos.values().stream().mapToInt(r -> r.manifests.size()).sum();
  }

  int blobCount() {
    return repos.values().stream().mapToInt(r -> r.blobs.size()).sum();
  }

  long blobBytes() {
    return repos.values().stream().flatMap(r -> r.blobs.values().stream()).mapToLong(Descriptor::size).sum();
  }

  @Override
  public String describe() {
    return describe;
  }

  private Repo repo(String repository) {
    Repo r = repos.get(repository);
    if (r == null) {
      throw new NotFoundException("repository " + repository + " is not in " + describe);
    }
    return r;
  }

  private Descriptor taken(Repo r, Digest d) {
    Descriptor m = r.manifests.get(d);
    return m != null ? m : r.blobs.get(d);
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) {
    Repo r = repos.get(repository);
    Descriptor d = r == null ? null : taken(r, digest);
    return d == null ? OptionalLong.empty() : OptionalLong.of(d.size());
  }

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    Repo r = repo(repository);
    if (taken(r, blob.digest()) == null) {
      throw new NotFoundException("blob " + blob.digest() + " is not in " + repository + " of " + describe);
    }
    return r.store.openBlob(r.repository, blob);
  }

  @Override
  public RawManifest getManifest(String repository, String tagOrDigest) throws IOException {
    Repo r = repo(repository);
    Descriptor d = find(r, tagOrDigest)
        .orElseThrow(() -> new NotFoundException(repository + ":" + tagOrDigest + " is not in " + describe));
    return cache.get(r.store, r.repository, d.digest());
  }

  @Override
  public Optional<Descriptor> resolve(String repository, String tagOrDigest) {
    Repo r = repos.get(repository);
    return r == null ? Optional.empty() : find(r, tagOrDigest);
  }

  private static Optional<Descriptor> find(Repo r, String tagOrDigest) {
    if (Digest.isValid(tagOrDigest)) {
      return Optional.ofNullable(r.manifests.get(Digest.parse(tagOrDigest)));
    }
    synchronized (r.tags) {
      return Optional.ofNullable(r.tags.get(tagOrDigest));
    }
  }

  @Override
  public List<String> tags(String repository) {
    Repo r = repos.get(repository);
    if (r == null) {
      return List.of();
    }
    synchronized (r.tags) {
      return new ArrayList<>(r.tags.keySet());
    }
  }

  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType) {
    Repo r = repos.get(repository);
    List<Descriptor> all = r == null ? List.of() : r.referrers.getOrDefault(subject, List.of());
    return artifactType == null ? all : all.stream().filter(d -> artifactType.equals(d.artifactType())).toList();
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) {
    throw new InvalidInputException(describe + " is read-only");
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) {
    throw new InvalidInputException(describe + " is read-only");
  }
}
