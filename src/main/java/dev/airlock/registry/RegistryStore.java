package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Reference;
import dev.airlock.registry.auth.Authenticator;
import dev.airlock.registry.auth.TokenClient;
import dev.airlock.registry.http.RegistryHttp;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One registry host behind the {@link ContentStore} interface (OCI distribution API), {@code repository}
 * being the repository path ({@code library/alpine}). Pull and push stream and verify; the HTTP concerns
 * (auth, retries, redirects, TLS) live in {@link RegistryHttp}. Thread-safe: blobs move in parallel over
 * pooled connections.
 */
public final class RegistryStore implements ContentStore {
  private final String registry;
  private final RegistryHttp http;
  private final ManifestPuller manifestPuller;
  private final ManifestPusher manifestPusher;
  private final BlobPuller blobPuller;
  private final BlobPusher blobPusher;
  private final TagLister tagLister;
  private final ReferrersClient referrers;
  private final ReferrersFallbackTag fallbackTag;
  /** A repository on this host known to hold each blob: the source of a cross-repository mount. */
  private final Map<Digest, String> blobHomes = new ConcurrentHashMap<>();
  private final dev.airlock.registry.auth.CredentialResolver credentialResolver;

  private RegistryStore(String registry, String apiHost, RegistryOptions opts) {
    this.registry = registry;
    this.credentialResolver = opts.credentialResolver();
    Authenticator auth = new Authenticator(registry, opts.credentialResolver(), new TokenClient(this::client, opts.retry()));
    this.http = new RegistryHttp(apiHost, opts.security(), auth, opts.retry(), opts.userAgent(),
        opts.readTimeout());
    this.manifestPuller = new ManifestPuller(http, registry);
    this.manifestPusher = new ManifestPusher(http, registry);
    this.blobPuller = new BlobPuller(http, registry, opts.downloadWindow());
    this.blobPusher = new BlobPusher(http, registry, opts.monolithicMax(), opts.chunkSize(), blobPuller);
    this.tagLister = new TagLister(http, registry);
    this.referrers = new ReferrersClient(http, registry, manifestPuller);
    this.fallbackTag = new ReferrersFallbackTag(manifestPuller, manifestPusher);
  }

  private java.net.http.HttpClient client(java.net.URI uri) {
    return http.clientFor(uri);
  }

  /** The store for {@code ref}'s registry ({@code docker.io} is reached at {@code registry-1.docker.io}). */
  public static RegistryStore open(Reference ref, RegistryOptions opts) {
    return new RegistryStore(ref.registry(), ref.apiHost(), opts);
  }

  /** The store for a registry host as written in references ({@code reg.example:5000}). */
  public static RegistryStore open(String registry, RegistryOptions opts) {
    Reference r = Reference.parse(registry + "/x");
    return new RegistryStore(r.registry(), r.apiHost(), opts);
  }

  /** The HTTP client this store uses for {@code uri} (its TLS settings), for probes. */
  public java.net.http.HttpClient clientFor(java.net.URI uri) {
    return client(uri);
  }

  /** The credentials configured for this registry, if any (for a token request of a probe). */
  public java.util.Optional<dev.airlock.registry.auth.Credentials> credentials() throws IOException {
    return credentialResolver.find(registry);
  }

  /** A token client reaching token services the way this store does (TLS settings included). */
  public TokenClient tokenClient() {
    return new TokenClient(this::client, http.retry());
  }

  /** Checks the registry answers and learns how to authenticate ({@code GET /v2/}). */
  public void ping() throws IOException {
    http.ping();
  }

  @Override
  public String describe() {
    return registry;
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    OptionalLong s = blobPuller.size(repository, digest);
    if (s.isPresent()) {
      blobHomes.putIfAbsent(digest, repository);
    }
    return s;
  }

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    InputStream in = blobPuller.open(repository, blob);
    blobHomes.putIfAbsent(blob.digest(), repository);
    return in;
  }

  /**
   * Uploads a blob unless the repository has it; when another repository on this host is known to have
   * it, mounts it from there instead of sending the bytes.
   */
  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    if (blobPuller.size(repository, blob.digest()).isPresent()) {
      return;
    }
    uploadBlob(repository, blob, content);
  }

  /**
   * Uploads {@code blob} without asking first whether the repository has it: for a caller just told it lacks it
   * (an import's plan). A mount from another repository known to hold it is tried first, as by {@link #putBlob}.
   */
  public void uploadBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    String home = blobHomes.get(blob.digest());
    java.net.URI session = null;
    if (home != null && !home.equals(repository)) {
      BlobPusher.MountResult m = blobPusher.mount(repository, blob.digest(), home);
      if (m.mounted()) {
        return;
      }
      session = m.uploadLocation();
    }
    blobPusher.push(repository, blob, content, session);
    blobHomes.putIfAbsent(blob.digest(), repository);
  }

  /**
   * Sends {@code blob} into an upload session without committing it (see {@link StagedUpload}): its bytes
   * are hashed as they go, so a caller can check every blob before any is committed.
   */
  public StagedUpload stage(String repository, Descriptor blob, BlobSource content) throws IOException {
    return blobPusher.stage(repository, blob, content);
  }

  /**
   * Takes up a session staged by an earlier run ({@code location} as it was last given): present when the
   * registry still holds all of the blob's bytes in it, to be committed or cancelled like a new one.
   */
  public java.util.Optional<StagedUpload> resume(String repository, Descriptor blob, java.net.URI location)
      throws IOException {
    return blobPusher.resume(repository, blob, location);
  }

  /** Commits a staged upload: the blob is in its repository afterwards. */
  public void commit(StagedUpload upload) throws IOException {
    blobPusher.commit(upload);
    blobHomes.putIfAbsent(upload.blob().digest(), upload.repository());
  }

  /** Drops a staged upload's bytes (best effort; the registry purges forgotten sessions anyway). */
  public void cancel(StagedUpload upload) {
    blobPusher.cancel(upload);
  }

  /**
   * Cross-repository mount: makes {@code digest} from {@code fromRepository} appear in {@code repository}
   * without sending it. False when the registry declined (the caller uploads instead).
   */
  public boolean mountBlob(String repository, Digest digest, String fromRepository) throws IOException {
    BlobPusher.MountResult m = blobPusher.mount(repository, digest, fromRepository);
    if (m.mounted()) {
      blobHomes.putIfAbsent(digest, repository);
    }
    return m.mounted();
  }

  /** Pushes {@code blob}, trying a mount from {@code fromRepository} first. */
  public void putBlob(String repository, Descriptor blob, BlobSource content, String fromRepository) throws IOException {
    blobHomes.putIfAbsent(blob.digest(), fromRepository);
    putBlob(repository, blob, content);
  }

  @Override
  public RawManifest getManifest(String repository, String tagOrDigest) throws IOException {
    return manifestPuller.get(repository, tagOrDigest);
  }

  @Override
  public Optional<Descriptor> resolve(String repository, String tagOrDigest) throws IOException {
    return manifestPuller.head(repository, tagOrDigest);
  }

  /**
   * Pushes the exact bytes. A manifest with a {@code subject} on a registry without the referrers API is
   * also added to the subject's {@code sha256-<hex>} tag index.
   */
  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    ManifestPusher.Pushed p = manifestPusher.put(repository, manifest, tag);
    Descriptor subject = manifest.subject();
    if (subject == null) {
      return;
    }
    if (p.subjectHeader()) {
      referrers.remember(repository, ReferrersClient.Mode.API);
      return;
    }
    if (referrers.mode(repository, subject.digest()) == ReferrersClient.Mode.FALLBACK_TAG) {
      fallbackTag.add(repository, manifest);
    }
  }

  /** The registry's repositories ({@code _catalog}), sorted. */
  public List<String> repositories() throws IOException {
    return new CatalogLister(http, registry).list();
  }

  @Override
  public List<String> tags(String repository) throws IOException {
    return tagLister.list(repository);
  }

  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType) throws IOException {
    return referrers.list(repository, subject, artifactType);
  }
}
