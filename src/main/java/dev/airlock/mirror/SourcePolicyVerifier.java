package dev.airlock.mirror;

import dev.airlock.VerificationException;
import dev.airlock.importer.BundleContent;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.policy.PolicySources;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A mirror's check before anything is pushed: there is no bundle signature to check, so the image policy
 * ({@code --policy}, Notation trust policy) is evaluated on the source content itself, the signatures,
 * attestations and SBOMs read from the sources. It fails closed: any image that does not pass stops the
 * mirror (exit 3) with nothing pushed. Without a policy only the digests are checked, as the bytes stream.
 */
final class SourcePolicyVerifier implements BundleVerifier {
  @Override
  public Outcome verify(BundleContent content, Request request) throws IOException {
    PolicySources.Loaded loaded = PolicySources.load(request.policy(), request.notationTrustPolicy(),
        request.notationTrustStore());
    if (loaded.policy() == null) {
      return new Outcome(false, "no policy: every manifest and blob is checked against its digest as it streams");
    }
    VerifyOptions opts = VerifyOptions.withKeys(List.of()).withPolicy(loaded.policy(), loaded.dir())
        .withAllowUnmatchedRules(request.allowUnmatchedRules());
    VerificationReport report = OfflineVerifier.verifyPolicy(content.path().toString(), content.store(),
        content.entries(), opts);
    if (!report.passed()) {
      throw new VerificationException("the sources of " + content.path() + " failed the policy, nothing was pushed: "
          + report.firstFailure());
    }
    String checks = report.checks().stream().map(c -> c.name() + ": " + c.detail()).collect(Collectors.joining("; "));
    return new Outcome(false, (checks.isEmpty() ? "" : checks + "; ") + "policy on the sources: "
        + report.images().size() + " images passed");
  }
}
