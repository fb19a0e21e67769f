package dev.airlock.importer;

import dev.airlock.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The check that runs before the first byte of an import is pushed. It throws
 * {@link dev.airlock.VerificationException} (exit 3) on any failure; the offline verifier plugs in here.
 */
@FunctionalInterface
public interface BundleVerifier {
  /**
   * What the caller asks to be enforced. {@code deferLayersFrom}: a verifier may leave layers of this many
   * bytes or more unhashed and list them in {@link Outcome#deferred()}, because the caller hashes them as
   * it reads them, before it commits anything; 0 = hash everything. {@code allowUnmatchedRules}: a policy
   * entry that selects no image does not fail the verification.
   */
  record Request(List<Path> keys, Path policy, boolean allowUnsigned, long deferLayersFrom, boolean allowUnmatchedRules,
      Path notationTrustPolicy, Path notationTrustStore) {
    public Request {
      keys = keys == null ? List.of() : List.copyOf(keys);
    }

    public Request(List<Path> keys, Path policy, boolean allowUnsigned, long deferLayersFrom, boolean allowUnmatchedRules) {
      this(keys, policy, allowUnsigned, deferLayersFrom, allowUnmatchedRules, null, null);
    }

    public Request(List<Path> keys, Path policy, boolean allowUnsigned) {
      this(keys, policy, allowUnsigned, 0, false);
    }

    /** The same request with Notation's trust policy file and trust store directory. */
    public Request withNotation(Path trustPolicy, Path trustStore) {
      return new Request(keys, policy, allowUnsigned, deferLayersFrom, allowUnmatchedRules, trustPolicy, trustStore);
    }

    public Request deferringLayersFrom(long bytes) {
      return new Request(keys, policy, allowUnsigned, bytes, allowUnmatchedRules, notationTrustPolicy, notationTrustStore);
    }

    public Request withAllowUnmatchedRules(boolean b) {
      return new Request(keys, policy, allowUnsigned, deferLayersFrom, b, notationTrustPolicy, notationTrustStore);
    }
  }

  /**
   * A passed verification, in one line for the plan, the summary and the history. {@code deferred}: the
   * layers (digest to size) it did not hash, as the request allowed; empty when it hashed everything.
   * {@code afterPush}: how the import accounted for those layers once it had pushed them (null before).
   */
  record Outcome(boolean signatureVerified, String summary, Map<Digest, Long> deferred, String afterPush,
      long expandedBound, java.time.Instant validationTime, boolean checksumFileChecked) {
    /**
     * {@code checksumFileChecked}: the checksum file beside the bundle was checked by this verification even
     * though layers were left to be hashed while uploaded (a set of parts: its files were hashed with their
     * data), so the import need not hash the files again.
     */
    public Outcome(boolean signatureVerified, String summary, Map<Digest, Long> deferred, String afterPush,
        long expandedBound, java.time.Instant validationTime) {
      this(signatureVerified, summary, deferred, afterPush, expandedBound, validationTime, false);
    }

    /** {@code validationTime}: when certificates and trust roots were checked (null: not known). */
    public Outcome(boolean signatureVerified, String summary, Map<Digest, Long> deferred, String afterPush,
        long expandedBound) {
      this(signatureVerified, summary, deferred, afterPush, expandedBound, null);
    }

    public Outcome {
      deferred = deferred == null ? Map.of() : Map.copyOf(deferred);
    }

    /**
     * {@code expandedBound}: the most bytes a compressed bundle may decompress to, as its verified content
     * declares (-1: not known; see {@link dev.airlock.store.archive.ExpansionBound}).
     */
    public Outcome(boolean signatureVerified, String summary, Map<Digest, Long> deferred, String afterPush) {
      this(signatureVerified, summary, deferred, afterPush, -1);
    }

    public Outcome(boolean signatureVerified, String summary, Map<Digest, Long> deferred) {
      this(signatureVerified, summary, deferred, null);
    }

    public Outcome(boolean signatureVerified, String summary) {
      this(signatureVerified, summary, Map.of());
    }

    /** The same outcome, with what the push established about the deferred layers. */
    public Outcome afterPush(String note) {
      return new Outcome(signatureVerified, summary, deferred, note, expandedBound, validationTime,
          checksumFileChecked);
    }

    /** The verification's line, with the push's note when there is one (for the history). */
    public String fullSummary() {
      return afterPush == null ? summary : summary + "; " + afterPush;
    }
  }

  Outcome verify(BundleContent bundle, Request request) throws IOException;
}
