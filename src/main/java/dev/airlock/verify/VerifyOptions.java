package dev.airlock.verify;

import dev.airlock.verify.policy.Policy;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.List;

/**
 * Options of an offline bundle verification.
 *
 * @param keys pinned public keys of the bundle signature
 * @param policy the image policy (null: integrity and bundle signature only)
 * @param policyDir where relative file names in the policy resolve
 * @param allowUnsigned accept a bundle without signature (or without a key to check it)
 * @param tufRepository a local TUF repository (overrides the policy's)
 * @param tufRoot the pinned initial TUF root.json (overrides the policy's; null: sigstore-java's embedded root)
 * @param trustedRoot a trusted_root.json to use directly instead of TUF (overrides the policy's)
 * @param clock "now" (the maximum-age check, and validation when the bundle is unsigned)
 * @param tempDir where the streaming pass spools small blobs
 * @param deferHashingFrom layers of this many bytes or more are not hashed but listed in the report as
 *     deferred, for a caller that hashes them as it reads them (the import); {@code Long.MAX_VALUE}: none
 * @param allowUnmatchedRules a policy entry whose match selects no image is reported, not a failure
 */
public record VerifyOptions(
    List<PublicKey> keys,
    Policy policy,
    Path policyDir,
    boolean allowUnsigned,
    Path tufRepository,
    Path tufRoot,
    Path trustedRoot,
    Clock clock,
    Path tempDir,
    long deferHashingFrom,
    boolean allowUnmatchedRules) {

  public VerifyOptions {
    keys = keys == null ? List.of() : List.copyOf(keys);
    clock = clock == null ? Clock.systemUTC() : clock;
    tempDir = tempDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : tempDir;
    policyDir = policyDir == null ? Path.of(".") : policyDir;
    deferHashingFrom = deferHashingFrom <= 0 ? Long.MAX_VALUE : deferHashingFrom;
  }

  public static VerifyOptions withKeys(List<PublicKey> keys) {
    return new VerifyOptions(keys, null, null, false, null, null, null, null, null, Long.MAX_VALUE, false);
  }

  public VerifyOptions withPolicy(Policy p, Path dir) {
    return new VerifyOptions(keys, p, dir, allowUnsigned, tufRepository, tufRoot, trustedRoot, clock, tempDir, deferHashingFrom, allowUnmatchedRules);
  }

  public VerifyOptions withAllowUnsigned(boolean b) {
    return new VerifyOptions(keys, policy, policyDir, b, tufRepository, tufRoot, trustedRoot, clock, tempDir, deferHashingFrom, allowUnmatchedRules);
  }

  public VerifyOptions withTuf(Path repository, Path root) {
    return new VerifyOptions(keys, policy, policyDir, allowUnsigned, repository, root, trustedRoot, clock, tempDir, deferHashingFrom, allowUnmatchedRules);
  }

  public VerifyOptions withTrustedRoot(Path file) {
    return new VerifyOptions(keys, policy, policyDir, allowUnsigned, tufRepository, tufRoot, file, clock, tempDir, deferHashingFrom, allowUnmatchedRules);
  }

  public VerifyOptions withClock(Clock c) {
    return new VerifyOptions(keys, policy, policyDir, allowUnsigned, tufRepository, tufRoot, trustedRoot, c, tempDir, deferHashingFrom, allowUnmatchedRules);
  }

  /** See {@code deferHashingFrom}: only for a caller that hashes the deferred layers itself. */
  public VerifyOptions withDeferredHashing(long fromBytes) {
    return new VerifyOptions(keys, policy, policyDir, allowUnsigned, tufRepository, tufRoot, trustedRoot, clock, tempDir,
        fromBytes, allowUnmatchedRules);
  }

  /** See {@code allowUnmatchedRules}. */
  public VerifyOptions withAllowUnmatchedRules(boolean b) {
    return new VerifyOptions(keys, policy, policyDir, allowUnsigned, tufRepository, tufRoot, trustedRoot, clock, tempDir,
        deferHashingFrom, b);
  }
}
