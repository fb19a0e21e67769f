package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code airlock serve} checks of a bundle before it answers anything: the offline verification of
 * {@code airlock verify} without a policy (every blob hashed, references complete, the catalog, index.json
 * bound field for field to the signed root, the bundle signature against the pinned keys), so that every tag
 * and descriptor it answers is the signed one. An unsigned bundle, or a signed one without a key, is served
 * only when the caller allows it explicitly; index.json is bound to the root even then.
 */
public final class ServedBundleCheck {
  private ServedBundleCheck() {}

  /**
   * Verifies {@code bundle} (a tarball or a set of parts); returns the verification's summary and bound.
   *
   * @throws InvalidInputException when neither a key nor {@code allowUnsigned} is given
   * @throws VerificationException when the bundle fails verification (nothing is served)
   */
  public static Checked check(Path bundle, List<PublicKey> keys, boolean allowUnsigned) throws IOException {
    if (keys.isEmpty() && !allowUnsigned) {
      throw new InvalidInputException("serve: give --key PUB to check the bundle signature before serving " + bundle
          + ", or --allow-unsigned to serve it without (integrity and the index.json binding are still checked)");
    }
    VerificationReport report = OfflineVerifier.verify(bundle, VerifyOptions.withKeys(keys).withAllowUnsigned(allowUnsigned));
    if (!report.passed()) {
      throw new VerificationException("bundle " + bundle + " failed verification, not served: " + report.firstFailure());
    }
    return new Checked(report.checks().stream().map(c -> c.name() + ": " + c.detail()).collect(Collectors.joining("; ")),
        report.expandedBound());
  }

  /**
   * What the check found: its summary in one line, and the most bytes the verified tarball may hold (-1: not
   * known), so a compressed bundle is decompressed within it without another pass over its stream.
   */
  public record Checked(String summary, long expandedBound) {}
}
