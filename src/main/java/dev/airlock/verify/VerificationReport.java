package dev.airlock.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.airlock.oci.Digest;
import java.util.List;
import java.util.Map;

/**
 * What {@link OfflineVerifier} found: the bundle-level checks (integrity, bundle signature, trust root)
 * and the per-image policy results. {@link #passed()} is true only when every check and image passed.
 * {@code deferred}: the layers left unhashed when the options asked for it (digest to size); passing
 * says nothing about them, their reader must hash them.
 */
public record VerificationReport(String bundle, int formatVersion, List<Check> checks, List<ImageResult> images,
    boolean passed, @JsonIgnore Map<Digest, Long> deferred, @JsonIgnore long expandedBound,
    @JsonIgnore java.time.Instant validationTime) {
  public VerificationReport {
    deferred = deferred == null ? Map.of() : Map.copyOf(deferred);
  }

  /**
   * {@code validationTime}: the time certificates and trust roots were checked at (the bundle signature's
   * creation time when it was verified, else the clock); null when not known.
   */
  public VerificationReport(String bundle, int formatVersion, List<Check> checks, List<ImageResult> images,
      boolean passed, Map<Digest, Long> deferred, long expandedBound) {
    this(bundle, formatVersion, checks, images, passed, deferred, expandedBound, null);
  }

  /**
   * A report that says nothing of the tarball's size. {@code expandedBound}, when known (else -1): the most
   * bytes the bundle's tarball may hold as its verified content declares it (every blob hashed to its name
   * and, signed, reachable from the signed root), for a compressed bundle's decompression to stop at.
   */
  public VerificationReport(String bundle, int formatVersion, List<Check> checks, List<ImageResult> images,
      boolean passed, Map<Digest, Long> deferred) {
    this(bundle, formatVersion, checks, images, passed, deferred, -1);
  }

  public VerificationReport(String bundle, List<Check> checks, List<ImageResult> images, boolean passed) {
    this(bundle, 0, checks, images, passed, Map.of());
  }

  /** A bundle-level check. */
  public record Check(String name, boolean passed, String detail) {}

  /** The first failure in words, for a one-line error; null when everything passed. */
  public String firstFailure() {
    for (Check c : checks) {
      if (!c.passed()) {
        return c.name() + ": " + c.detail();
      }
    }
    for (ImageResult i : images) {
      if (!i.passed()) {
        for (RuleResult r : i.rules()) {
          if (!r.passed()) {
            return i.reference() + ": rule '" + r.rule() + "' failed: " + r.why();
          }
        }
        return i.reference() + ": policy not satisfied";
      }
    }
    return null;
  }
}
