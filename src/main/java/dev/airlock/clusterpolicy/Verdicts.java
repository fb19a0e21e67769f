package dev.airlock.clusterpolicy;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import dev.airlock.verify.sigstore.TrustRoot;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The check that an emitted cluster policy enforces what the gate enforced: both files are read by the gate's
 * own reader, and every imported image must get the same rules (how many required, enforce or warn, each
 * rule's keys, identities, attestations and conditions) under its internal name from the emitted file as under
 * its source name from the original. Trust material the emitted file pins (Kyverno's roots and keys, a
 * TrustRoot) is compared apart: it must select something of the trust root the gate used, since it was taken
 * from it. A difference refuses the emission before anything is pushed.
 */
final class Verdicts {
  private Verdicts() {}

  /** What applies to one image: a policy entry's requirement, mode and rules (trust pins left out). */
  record Constraint(int required, boolean warn, List<Policy.Rule> rules) {}

  static void requireSame(Path original, byte[] originalBytes, Path emitted, byte[] emittedBytes,
      List<ClusterPolicyEmitter.Image> images, TrustRoot root) {
    Policy before = ClusterPolicyFiles.read(original, originalBytes);
    Policy after;
    try {
      after = ClusterPolicyFiles.read(emitted, emittedBytes);
    } catch (InvalidInputException e) {
      throw ClusterPolicyEmitter.refused(original, "reading it back: " + e.getMessage());
    }
    for (ClusterPolicyEmitter.Image i : images) {
      Set<Constraint> b = constraints(before, i.source());
      Set<Constraint> a = constraints(after, i.target());
      if (!a.equals(b)) {
        throw ClusterPolicyEmitter.refused(original, i.source() + " gets " + b.size() + " policy entries at the gate, "
            + i.target() + " " + a.size() + (a.size() == b.size() ? " with other rules" : "") + " from the rewritten file");
      }
    }
    ClusterPolicyEmitter.requirePinsHold(original, after, root);
  }

  static Set<Constraint> constraints(Policy p, String ref) {
    Set<Constraint> out = new LinkedHashSet<>();
    for (Policy.ImagePolicy ip : p.imagesOrEmpty()) {
      if (ip.matches(ref)) {
        out.add(new Constraint(ip.required(), ip.warnOnly(), ip.rules().stream().map(Verdicts::unpinned).toList()));
      }
    }
    return out;
  }

  private static Policy.Rule unpinned(Policy.Rule r) {
    Policy.Keyless k = r.keyless() == null ? null : r.keyless().withTrust(null);
    Policy.Attestation a = r.attestation();
    if (a != null && a.keyless() != null) {
      a = new Policy.Attestation(a.predicateType(), a.signedBy(), a.keyless().withTrust(null), a.conditions());
    }
    return new Policy.Rule(r.name(), r.signedBy(), k, a, r.sbom(), r.notation());
  }
}
