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
    boolean sumsChecked = false;
    if (dev.airlock.bundle.parts.PartSet.isPartSet(bundle.path())) {
      // as verify does: every part alone first (its signed manifest, its data's digest), naming what to re-burn;
      // the chunks of split blobs are named only when a part's data fails (each blob's own digest is checked as
      // it is read, and the data's digest covers those bytes)
      dev.airlock.bundle.parts.PartSet.SetReport set = dev.airlock.bundle.parts.PartSet.check(bundle.path(), keys,
          request.allowUnsigned(), false);
      if (!set.ok()) {
        throw new VerificationException("bundle " + bundle.path() + " failed verification, nothing was imported: "
            + set.problems());
      }
      fileDigests = set.fileDigests(); // hashed with each part's data: the checksum file needs no pass of its own
      if (request.deferLayersFrom() > 0) {
        sumsChecked = checksumFile(bundle.path(), fileDigests);
      }
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
        report.validationTime(), sumsChecked);
  }

  /**
   * The checksum file beside a set of parts, checked against the digests its parts' check computed (the
   * verification that leaves layers to the upload does not read it, and the import would hash every part file
   * again); false when those digests do not cover every file it names (the import then hashes them).
   */
  private static boolean checksumFile(Path set, java.util.Map<Path, dev.airlock.oci.Digest> digests)
      throws IOException {
    dev.airlock.bundle.ChecksumFile sums;
    try {
      sums = dev.airlock.bundle.ChecksumFile.beside(set);
    } catch (dev.airlock.AirlockException e) {
      return false; // unreadable: the import's own pass says so
    }
    if (sums == null) {
      return false;
    }
    for (Path f : sums.files()) {
      if (!digests.containsKey(f.toAbsolutePath().normalize())) {
        return false;
      }
    }
    try {
      for (Path f : sums.files()) {
        sums.check(f, digests.get(f.toAbsolutePath().normalize()));
      }
    } catch (VerificationException e) {
      throw new VerificationException("bundle " + set + " failed verification, nothing was imported: "
          + e.getMessage(), e);
    }
    return true;
  }
}
