package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.nio.file.Path;

/** Opens bundle tarballs for serving; the tar reader ({@code TarLayoutStore}) plugs in here. */
final class BundleTarballs {
  private BundleTarballs() {}

  static ServedContent served(Path tarball) {
    throw new InvalidInputException("serving a bundle tarball (" + tarball + ") is not available yet in this build;"
        + " serve an OCI layout directory (e.g. one written by airlock import --to oci:DIR)");
  }
}
