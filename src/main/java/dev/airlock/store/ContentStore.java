package dev.airlock.store;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The one interface every place content lives behind: a registry, an OCI layout directory, a bundle
 * tarball. Export, import, verify and serve are graph walks over it.
 *
 * <p>{@code repository} is the repository path ({@code library/alpine}); back ends that hold a single
 * namespace (a layout) use it only to find tags, which they store as full references. All methods are
 * thread-safe: blobs move in parallel.
 */
public interface ContentStore extends Closeable {

  /** For messages: {@code oci:/path}, {@code registry.example:5000}. */
  String describe();

  /** The blob's size, or empty when the store does not have it. */
  OptionalLong blobSize(String repository, Digest digest) throws IOException;

  default boolean hasBlob(String repository, Digest digest) throws IOException {
    return blobSize(repository, digest).isPresent();
  }

  /**
   * Opens a blob. The stream checks size and digest at end of stream and throws
   * {@link dev.airlock.oci.DigestMismatchException} from {@code read} when they differ.
   *
   * @throws dev.airlock.NotFoundException when absent
   */
  InputStream openBlob(String repository, Descriptor blob) throws IOException;

  /**
   * Stores a blob, verifying size and digest while it streams; nothing is kept when they differ.
   * A blob the store already has is not written again.
   */
  void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException;

  /**
   * Fetches a manifest or index by tag or digest. When asked by digest, the bytes are checked.
   *
   * @throws dev.airlock.NotFoundException when absent
   */
  RawManifest getManifest(String repository, String tagOrDigest) throws IOException;

  /** Resolves a tag or digest to a descriptor without fetching the body when the back end can. */
  Optional<Descriptor> resolve(String repository, String tagOrDigest) throws IOException;

  /**
   * Stores a manifest's exact bytes, after every blob and child it references. {@code tag} may be null
   * (a child manifest, a referrer). Back ends without a referrers API record referrers (manifests with a
   * {@code subject}) their own way.
   */
  void putManifest(String repository, RawManifest manifest, String tag) throws IOException;

  /** Tags of a repository, sorted; empty when none. */
  List<String> tags(String repository) throws IOException;

  /**
   * Manifests whose {@code subject} is {@code subject}, optionally filtered by artifact type
   * (null = all). Descriptors carry {@code artifactType} and annotations.
   */
  List<Descriptor> referrers(String repository, Digest subject, String artifactType) throws IOException;

  @Override
  default void close() throws IOException {}
}
