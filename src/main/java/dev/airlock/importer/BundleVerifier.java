package dev.airlock.importer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The check that runs before the first byte of an import is pushed. It throws
 * {@link dev.airlock.VerificationException} (exit 3) on any failure; the offline verifier plugs in here.
 */
@FunctionalInterface
public interface BundleVerifier {
  /** What the caller asks to be enforced. */
  record Request(List<Path> keys, Path policy, boolean allowUnsigned) {
    public Request {
      keys = keys == null ? List.of() : List.copyOf(keys);
    }
  }

  /** A passed verification, in one line for the plan, the summary and the history. */
  record Outcome(boolean signatureVerified, String summary) {}

  Outcome verify(BundleContent bundle, Request request) throws IOException;
}
