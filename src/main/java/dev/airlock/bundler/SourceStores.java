package dev.airlock.bundler;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Reference;
import dev.airlock.store.ContentStore;
import dev.airlock.store.Location;
import java.io.IOException;

/**
 * Opens the stores spec entries come from. OCI layouts are opened by the bundler itself; registries and
 * archives come through here so the CLI can wire its registry client and archive readers (with their
 * options: TLS, credentials). The bundler closes nothing it gets from here; the caller does.
 */
public interface SourceStores {
  /** The store holding {@code ref}'s repository. */
  ContentStore registry(Reference ref) throws IOException;

  /** The store reading an {@code oci-archive:} or {@code docker-archive:} file. */
  default ContentStore archive(Location location) throws IOException {
    throw new InvalidInputException("archive sources (" + location + ") are not supported in this build");
  }

  /** No registry access: every registry reference is an error. */
  SourceStores NONE = ref -> {
    throw new InvalidInputException("cannot fetch " + ref + ": no registry client is configured");
  };
}
