package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Reference;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.Location;
import dev.airlock.store.archive.DockerArchiveStore;
import dev.airlock.store.archive.TarLayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;

/**
 * Opens a {@link Location} as a {@link ContentStore}, with the repository and tag-or-digest that the
 * location names inside it.
 *
 * <ul>
 *   <li>{@code oci:DIR[:REF]}: a layout directory; repository {@code ""}, reference {@code REF} (a ref name as
 *       written in {@code index.json}, or {@code @sha256:...}).
 *   <li>{@code oci-archive:FILE[:REF]}: the same inside a tar (or {@code .tar.zst}), read in place.
 *   <li>{@code docker-archive:FILE[:REF]}: a {@code docker save} tar; {@code REF} is {@code name:tag} or
 *       {@code @N} (the N-th image).
 *   <li>A registry reference {@code host[:port]/path[:tag][@digest]}: a {@link RegistryStore}; repository is the
 *       path, reference the digest, else the tag (reading an untagged reference means {@code latest}).
 * </ul>
 */
public final class Locations {
  private Locations() {}

  public enum Mode { READ, WRITE }

  /**
   * An opened location. {@code reference} is the tag or digest to use with {@code repository}, or null when
   * the location names none (then the caller lists {@code store.tags(repository)}).
   */
  public record OpenedLocation(Location location, ContentStore store, String repository, String reference)
      implements Closeable {
    public boolean hasReference() {
      return reference != null;
    }

    @Override
    public void close() throws IOException {
      store.close();
    }
  }

  public static OpenedLocation open(Location loc) throws IOException {
    return open(loc, Mode.READ);
  }

  public static OpenedLocation open(Location loc, Mode mode) throws IOException {
    return open(loc, mode, RegistryOptions.defaults());
  }

  public static OpenedLocation open(Location loc, Mode mode, RegistryOptions registryOptions) throws IOException {
    return open(loc, mode, registryOptions, Long.MAX_VALUE);
  }

  /** As above; a compressed archive decompresses to at most {@code maxExpanded} bytes. */
  public static OpenedLocation open(Location loc, Mode mode, RegistryOptions registryOptions, long maxExpanded)
      throws IOException {
    if (mode == Mode.WRITE && loc.kind() != Location.Kind.OCI && loc.kind() != Location.Kind.REGISTRY) {
      throw new InvalidInputException(loc + ": " + kindName(loc) + " locations can only be read, not written");
    }
    return switch (loc.kind()) {
      case OCI -> {
        if (mode == Mode.READ && !Files.exists(loc.path())) {
          throw new InvalidInputException(loc + ": no such directory: " + loc.path());
        }
        ContentStore s = mode == Mode.WRITE ? LayoutStore.openOrCreate(loc.path()) : LayoutStore.open(loc.path());
        yield new OpenedLocation(loc, s, "", reference(loc.refName()));
      }
      case OCI_ARCHIVE -> new OpenedLocation(loc, maxExpanded == Long.MAX_VALUE ? TarLayoutStore.openSource(loc.path())
          : TarLayoutStore.open(loc.path(), maxExpanded), "", reference(loc.refName()));
      case DOCKER_ARCHIVE -> new OpenedLocation(loc, DockerArchiveStore.open(loc.path()), "", loc.refName());
      case REGISTRY -> {
        Reference ref = loc.reference();
        String id = ref.digest() != null ? ref.digest().toString() : ref.tag();
        if (id == null && mode == Mode.READ) {
          id = "latest";
        }
        yield new OpenedLocation(loc, RegistryStore.open(ref, registryOptions), ref.repository(), id);
      }
    };
  }

  /** {@code @sha256:...} names a digest; anything else is a ref name. */
  private static String reference(String refName) {
    if (refName != null && refName.startsWith("@") && Digest.isValid(refName.substring(1))) {
      return refName.substring(1);
    }
    return refName;
  }

  private static String kindName(Location loc) {
    return switch (loc.kind()) {
      case OCI -> "oci";
      case OCI_ARCHIVE -> "oci-archive";
      case DOCKER_ARCHIVE -> "docker-archive";
      case REGISTRY -> "registry";
    };
  }
}
