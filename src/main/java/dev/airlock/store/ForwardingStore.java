package dev.airlock.store;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A store that passes every call to another; subclasses override what they change. {@link #hasBlob} and
 * {@link #close} keep the interface's defaults: {@code hasBlob} goes through this store's
 * {@link #blobSize} (so an override of that sees every presence question), and closing leaves the
 * delegate to whoever opened it.
 */
public abstract class ForwardingStore implements ContentStore {
  protected final ContentStore delegate;

  protected ForwardingStore(ContentStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    return delegate.blobSize(repository, digest);
  }

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    return delegate.openBlob(repository, blob);
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    delegate.putBlob(repository, blob, content);
  }

  @Override
  public RawManifest getManifest(String repository, String tagOrDigest) throws IOException {
    return delegate.getManifest(repository, tagOrDigest);
  }

  @Override
  public Optional<Descriptor> resolve(String repository, String tagOrDigest) throws IOException {
    return delegate.resolve(repository, tagOrDigest);
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    delegate.putManifest(repository, manifest, tag);
  }

  @Override
  public List<String> tags(String repository) throws IOException {
    return delegate.tags(repository);
  }

  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType) throws IOException {
    return delegate.referrers(repository, subject, artifactType);
  }
}
