package dev.airlock.importer;

import dev.airlock.oci.Digest;
import java.io.IOException;

/** A target that can link a blob it already holds in one repository into another without an upload. */
@FunctionalInterface
public interface BlobMounter {
  /** True when {@code digest} is now in {@code toRepo}; false when the target could not mount it. */
  boolean mount(String toRepo, Digest digest, String fromRepo) throws IOException;
}
