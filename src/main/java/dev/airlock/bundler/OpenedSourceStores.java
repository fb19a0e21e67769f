package dev.airlock.bundler;

import dev.airlock.oci.Reference;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.ContentStore;
import dev.airlock.store.Location;
import dev.airlock.store.archive.DockerArchiveStore;
import dev.airlock.store.archive.TarLayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Registry stores (one per host) and archive stores (one per file), opened on first use, closed together. */
public final class OpenedSourceStores implements SourceStores, Closeable {
  private final RegistryOptions options;
  private final Map<String, ContentStore> open = new LinkedHashMap<>();

  public OpenedSourceStores(RegistryOptions options) {
    this.options = options;
  }

  @Override
  public synchronized ContentStore registry(Reference ref) {
    return open.computeIfAbsent("registry " + ref.registry(), k -> RegistryStore.open(ref, options));
  }

  @Override
  public synchronized ContentStore archive(Location location) throws IOException {
    String key = location.kind() + " " + location.path().toAbsolutePath().normalize();
    ContentStore s = open.get(key);
    if (s == null) {
      s = location.kind() == Location.Kind.OCI_ARCHIVE ? TarLayoutStore.openSource(location.path())
          : DockerArchiveStore.open(location.path());
      open.put(key, s);
    }
    return s;
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    for (ContentStore s : open.values()) {
      try {
        s.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    open.clear();
    if (first != null) {
      throw first;
    }
  }
}
