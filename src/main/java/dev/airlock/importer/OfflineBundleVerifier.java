package dev.airlock.importer;

import dev.airlock.VerificationException;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.policy.PolicySources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The import's verification: a bundle tarball goes through the full {@link OfflineVerifier} (integrity,
 * bundle signature against the pinned keys, trust root, policy); a bundle given as a layout directory
 * (not the signed format) only gets {@link IntegrityVerifier}, which demands {@code --allow-unsigned}.
 */
public final class OfflineBundleVerifier implements BundleVerifier {
  @Override
  public Outcome verify(BundleContent bundle, Request request) throws IOException {
    if (!Files.isRegularFile(bundle.path()) && !dev.airlock.bundle.parts.PartSet.isPartSet(bundle.path())) {
      return new IntegrityVerifier().verify(bundle, request);
    }
    List<PublicKey> keys = new ArrayList<>();
    for (Path k : request.keys()) {
      keys.add(PublicKeys.load(k));
    }
    java.util.Map<Path, dev.airlock.oci.Digest> fileDigests = java.util.Map.of();
    if (dev.airlock.bundle.parts.PartSet.isPartSet(bundle.path())) {
      // as verify does: every part alone first (its signed manifest, its data's digest), naming what to re-burn
      dev.airlock.bundle.parts.PartSet.SetReport set = dev.airlock.bundle.parts.PartSet.check(bundle.path(), keys,
          request.allowUnsigned());
      if (!set.ok()) {
        throw new VerificationException("bundle " + bundle.path() + " failed verification, nothing was imported: "
            + set.problems());
      }
      fileDigests = set.fileDigests(); // hashed with each part's data: the checksum file needs no pass of its own
    }
    VerifyOptions opts = VerifyOptions.withKeys(keys).withAllowUnsigned(request.allowUnsigned())
        .withDeferredHashing(request.deferLayersFrom()).withAllowUnmatchedRules(request.allowUnmatchedRules());
    PolicySources.Loaded loaded = PolicySources.load(request.policy(), request.notationTrustPolicy(),
        request.notationTrustStore());
    if (loaded.policy() != null) {
      opts = opts.withPolicy(loaded.policy(), loaded.dir());
    }
    VerificationReport report = OfflineVerifier.verify(bundle.path(), opts, fileDigests);
    if (!report.passed()) {
      throw new VerificationException("bundle " + bundle.path() + " failed verification, nothing was imported: "
          + report.firstFailure());
    }
    String summary = report.checks().stream().map(c -> c.name() + ": " + c.detail()).collect(Collectors.joining("; "))
        + (report.images().isEmpty() ? "" : "; policy: " + report.images().size() + " images passed");
    return new Outcome(!keys.isEmpty(), summary, report.deferred(), null, report.expandedBound(),
        report.validationTime());
  }
}
