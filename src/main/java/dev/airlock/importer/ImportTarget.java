package dev.airlock.importer;

import dev.airlock.InvalidInputException;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where an import goes: an OCI layout ({@code oci:DIR}) or a registry ({@code host[:port][/prefix]}).
 *
 * @param host the registry {@code host:port}, null for a layout
 * @param prefix the path given with the target ({@code host:5000/mirror} -> {@code mirror}), may be empty
 * @param mounter null when the target cannot mount blobs
 */
public record ImportTarget(String spec, ContentStore store, String host, String prefix, TargetFeatures features,
    BlobMounter mounter, boolean plainHttp, AccessCheck access) implements Closeable {

  /** Asks the target whether the import may push into these repositories (before anything is pushed). */
  @FunctionalInterface
  public interface AccessCheck {
    PushAccess check(java.util.Collection<String> repositories) throws IOException;
  }

  public boolean isRegistry() {
    return host != null;
  }

  /** Opens the target named by {@code --to}. */
  public static ImportTarget open(String spec, RegistryTargets registries) throws IOException {
    if (spec == null || spec.isBlank()) {
      throw new InvalidInputException("--to is empty; give a registry (host:port[/prefix]) or oci:DIR");
    }
    if (spec.startsWith("oci:")) {
      String dir = spec.substring(4);
      if (dir.isEmpty()) {
        throw new InvalidInputException("--to " + spec + ": no directory after oci:");
      }
      LayoutStore store = LayoutStore.openOrCreate(Path.of(dir));
      return new ImportTarget(spec, store, null, "",
          new TargetFeatures(true, true, false, "OCI layout: referrers listed in index.json, sparse indexes kept"), null, false,
          repos -> PushAccess.unchecked("auth: none (a local directory)"));
    }
    if (spec.contains("://")) {
      throw new InvalidInputException("--to " + spec + ": give host:port[/prefix] without a scheme (use --plain-http for HTTP)");
    }
    int slash = spec.indexOf('/');
    String host = slash < 0 ? spec : spec.substring(0, slash);
    String prefix = slash < 0 ? "" : ReferenceMapper.trimSlashes(spec.substring(slash + 1));
    return registries.open(host, prefix, spec);
  }

  @Override
  public void close() throws IOException {
    store.close();
  }
}
