package dev.airlock.verify.policy;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.notation.TrustPolicyDocument;
import dev.airlock.verify.notation.TrustStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The policy a verification enforces, from the command line's sources: airlock's policy file and/or
 * Notation's trust policy and trust store ({@code --notation-trust-policy}, {@code --notation-trust-store},
 * which override the policy file's {@code trust.notation}). Notation files are read and validated here,
 * so a malformed trust policy is refused before any bundle is read.
 */
public final class PolicySources {
  private PolicySources() {}

  /** A policy and the directory its relative names resolve against; {@code policy} null when there is none. */
  public record Loaded(Policy policy, Path dir) {}

  public static Loaded load(Path policyFile, Path notationTrustPolicy, Path notationTrustStore) throws IOException {
    if ((notationTrustPolicy == null) != (notationTrustStore == null)) {
      throw new InvalidInputException("--notation-trust-policy and --notation-trust-store go together");
    }
    Policy policy = null;
    Path dir = Path.of(".").toAbsolutePath();
    if (policyFile != null) {
      Path p = policyFile.toAbsolutePath();
      policy = Policy.load(p);
      dir = p.getParent();
    }
    if (notationTrustPolicy != null) {
      Policy.NotationTrust nt = new Policy.NotationTrust(notationTrustPolicy.toAbsolutePath().toString(),
          notationTrustStore.toAbsolutePath().toString());
      policy = policy == null ? Policy.notationOnly(nt) : policy.withNotation(nt);
    }
    if (policy != null && policy.notationTrust() != null) {
      TrustPolicyDocument.load(dir.resolve(policy.notationTrust().trustPolicy()));
      TrustStore.load(dir.resolve(policy.notationTrust().trustStore()));
    }
    return new Loaded(policy, dir);
  }
}
