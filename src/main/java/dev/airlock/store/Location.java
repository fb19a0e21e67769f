package dev.airlock.store;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Reference;
import java.nio.file.Path;

/**
 * Where content is, written the way skopeo users know it: {@code oci:DIR[:REF]},
 * {@code oci-archive:FILE[:REF]}, {@code docker-archive:FILE}, or a plain reference
 * ({@code host[:port]/path:tag}, optionally prefixed {@code docker://}) meaning a registry.
 */
public record Location(Kind kind, Path path, String refName, Reference reference) {
  public enum Kind { OCI, OCI_ARCHIVE, DOCKER_ARCHIVE, REGISTRY }

  public static Location parse(String s) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException("location is empty");
    }
    if (s.startsWith("oci:")) {
      return local(Kind.OCI, s.substring(4), s);
    }
    if (s.startsWith("oci-archive:")) {
      return local(Kind.OCI_ARCHIVE, s.substring(12), s);
    }
    if (s.startsWith("docker-archive:")) {
      return local(Kind.DOCKER_ARCHIVE, s.substring(15), s);
    }
    if (s.startsWith("dir:") || s.startsWith("docker-daemon:") || s.startsWith("containers-storage:")) {
      throw new InvalidInputException("location '" + s + "': transport " + s.substring(0, s.indexOf(':'))
          + " is not supported; use oci:, oci-archive:, docker-archive: or a registry reference");
    }
    if (!s.startsWith("docker://") && java.nio.file.Files.exists(Path.of(s))) {
      // "airlock inspect bundle.tar" would otherwise ask Docker Hub for an image named bundle.tar
      String hint = java.nio.file.Files.isDirectory(Path.of(s)) ? "oci:" + s : "oci-archive:" + s + " (or docker-archive:" + s + ")";
      throw new InvalidInputException("location '" + s + "' is a local " + (hint.startsWith("oci:") ? "directory" : "file")
          + "; write " + hint + ", or docker://" + s + " for a registry");
    }
    return new Location(Kind.REGISTRY, null, null, Reference.parse(s));
  }

  private static Location local(Kind kind, String rest, String original) {
    // the path ends at the first ':' (as in skopeo); what follows is the ref name
    int colon = rest.indexOf(':');
    String path = colon < 0 ? rest : rest.substring(0, colon);
    String ref = colon < 0 ? null : rest.substring(colon + 1);
    if (path.isEmpty()) {
      throw new InvalidInputException("location '" + original + "' has no path");
    }
    if (ref != null && ref.isEmpty()) {
      ref = null;
    }
    if (kind == Kind.DOCKER_ARCHIVE && ref != null && !ref.matches("[0-9]+|[a-zA-Z0-9._/:@-]+")) {
      throw new InvalidInputException("location '" + original + "': invalid image reference in the archive");
    }
    return new Location(kind, Path.of(path), ref, null);
  }

  public boolean isRegistry() {
    return kind == Kind.REGISTRY;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case REGISTRY -> reference.toString();
      case OCI -> "oci:" + path + (refName != null ? ":" + refName : "");
      case OCI_ARCHIVE -> "oci-archive:" + path + (refName != null ? ":" + refName : "");
      case DOCKER_ARCHIVE -> "docker-archive:" + path + (refName != null ? ":" + refName : "");
    };
  }
}
