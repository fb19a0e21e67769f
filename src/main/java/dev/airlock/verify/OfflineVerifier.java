package dev.airlock.verify;

import dev.airlock.AirlockException;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.verify.integrity.BundleContents;
import dev.airlock.verify.integrity.BundleLayoutChecker;
import dev.airlock.verify.integrity.BundleScan;
import dev.airlock.verify.integrity.BundleTarScanner;
import dev.airlock.verify.integrity.LayoutCheckWarmUp;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.policy.PolicyEvaluator;
import dev.airlock.verify.sigstore.TrustRoot;
import dev.airlock.verify.tuf.OfflineTufClient;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The front door of offline bundle verification, for the CLI and the importer: integrity in one
 * streaming pass, the bundle signature against pinned keys, the Sigstore trust root from a local TUF
 * repository (or a pinned trusted_root.json), and the image policy. It never prints, pushes or exits;
 * it returns a {@link VerificationReport} whose {@code passed()} says whether everything held.
 *
 * <p>Validation time (see docs/verification.md): the {@code created} time inside the bundle statement
 * when the bundle signature verified with a pinned key, else now; the policy's {@code trust.maxAge}
 * bounds how old that time may be. The TUF repository is the one named by the options or the policy,
 * else the one the bundle carries (a metadata layer), always walked from a pinned root.
 */
public final class OfflineVerifier {
  private OfflineVerifier() {}

  public static VerificationReport verify(Path bundle, VerifyOptions options) throws IOException {
    return verify(bundle, options, Map.of());
  }

  /**
   * As {@link #verify(Path, VerifyOptions)}; {@code fileDigests}: the SHA-256 of files the bundle is read from,
   * already computed by the caller in a pass of its own (a set's part files, hashed while {@code PartSet.check}
   * read their data): when they cover every file the checksum file beside the bundle names, they are what it
   * is checked against, and the scan does not hash those files again.
   */
  public static VerificationReport verify(Path bundle, VerifyOptions options, Map<Path, Digest> fileDigests)
      throws IOException {
    if (!Files.isRegularFile(bundle) && !dev.airlock.bundle.parts.PartSet.isPartSet(bundle)) {
      throw new InvalidInputException("bundle " + bundle + " does not exist or is not a file");
    }
    List<VerificationReport.Check> checks = new ArrayList<>();
    List<ImageResult> images = new ArrayList<>();
    Map<Digest, Long> deferred = Map.of();
    int formatVersion = 0;
    long expandedBound = -1;
    Instant validationTime = null;
    LayoutCheckWarmUp.start();
    // BUNDLE.sha256 beside it: checked in the same pass, unless layers are left for the caller to hash as it
    // reads them (an import into a registry checks the file meanwhile: BundleImporter)
    dev.airlock.bundle.ChecksumFile sums = options.deferHashingFrom() == Long.MAX_VALUE
        ? checksumFile(bundle) : null;
    boolean known = sums != null && sums.files().stream()
        .allMatch(f -> fileDigests.containsKey(f.toAbsolutePath().normalize()));
    try (BundleScan scan = scan(bundle, options, sums != null && !known)) {
      if (sums != null) {
        for (Path f : sums.files()) {
          sums.check(f, known ? fileDigests.get(f.toAbsolutePath().normalize()) : scan.fileDigests().get(f));
        }
      }
      BundleContents contents = checkLayout(scan);
      formatVersion = contents.formatVersion();
      deferred = scan.deferred();
      expandedBound = dev.airlock.store.archive.ExpansionBound.of(scan.blobs());
      long deferredBytes = deferred.values().stream().mapToLong(Long::longValue).sum();
      checks.add(new VerificationReport.Check("integrity", true, (contents.blobs() - deferred.size()) + " blobs ("
          + contents.manifests() + " manifests) match their digests"
          + (deferred.isEmpty() ? "" : ", " + deferred.size() + " layers (" + deferredBytes / (1024 * 1024)
              + " MiB) are hashed as they are read")
          + "; references complete"
          + (contents.absentChildren() > 0 ? ", " + contents.absentChildren() + " platform children absent as recorded" : "")
          + (contents.expectedAtTarget() > 0 ? ", " + contents.expectedAtTarget() + " blobs left out as expected at the"
              + " target (a delta)" : "")
          + "; catalog agrees"));
      if (contents.formatVersion() >= dev.airlock.bundle.BundleFormat.DELTA_FORMAT_VERSION) {
        checks.add(new VerificationReport.Check("delta", true,
            dev.airlock.delta.DeltaReport.describe(contents.catalogFile())));
      }
      validationTime = options.clock().instant();
      boolean signatureOk = true;
      try {
        if (contents.signatures().isEmpty() && options.allowUnsigned()) {
          checks.add(new VerificationReport.Check("bundle signature", true, "unsigned (allowed by --allow-unsigned)"));
        } else if (options.keys().isEmpty() && options.allowUnsigned()) {
          checks.add(new VerificationReport.Check("bundle signature", true, "signed, not checked: no --key (allowed by --allow-unsigned)"));
        } else {
          var st = BundleSignatureVerifier.verify(scan.store(), contents, options.keys());
          validationTime = st.created();
          checks.add(new VerificationReport.Check("bundle signature", true, "bundle '" + st.name() + "' created "
              + st.created() + " signed by key " + st.keyId().substring(0, 12)));
        }
      } catch (VerificationException e) {
        signatureOk = false;
        checks.add(new VerificationReport.Check("bundle signature", false, e.getMessage()));
      }
      Policy policy = options.policy();
      if (policy != null && signatureOk) {
        Supplier<TrustRoot> trust = memo(trustRoot(options, validationTime, contents.tufRepoFile(), checks));
        images.addAll(new PolicyEvaluator(scan.store(), policy, options.policyDir(), trust, options.clock().instant())
            .allowUnmatched(options.allowUnmatchedRules()).evaluate(contents.entries()));
      }
    } catch (VerificationException e) {
      checks.add(new VerificationReport.Check("integrity", false, e.getMessage()));
    }
    boolean passed = checks.stream().allMatch(VerificationReport.Check::passed)
        && images.stream().allMatch(ImageResult::passed);
    return new VerificationReport(bundle.toString(), formatVersion, checks, images, passed, deferred, expandedBound,
        validationTime);
  }

  /**
   * The streaming pass. Whatever is wrong with the bundle's bytes (an invalid, duplicate-key or oversized
   * index.json or oci-layout, a damaged header) is a failed integrity check, exit 3, in verify and import alike.
   */
  private static BundleScan scan(Path bundle, VerifyOptions options, boolean hashFile) throws IOException {
    try {
      return BundleTarScanner.scan(bundle, options.tempDir(), options.deferHashingFrom(), hashFile);
    } catch (AirlockException e) {
      throw e instanceof VerificationException v ? v : new VerificationException(e.getMessage(), e);
    }
  }

  /** The checksum file beside the bundle or set of parts, or null; unreadable is a failed integrity check. */
  private static dev.airlock.bundle.ChecksumFile checksumFile(Path bundle) throws IOException {
    try {
      return dev.airlock.bundle.ChecksumFile.beside(bundle);
    } catch (AirlockException e) {
      throw new VerificationException(e.getMessage(), e);
    }
  }

  /** The checks of what the pass found; a malformed or mismatching document is a failed integrity check. */
  private static BundleContents checkLayout(BundleScan scan) throws IOException {
    try {
      return BundleLayoutChecker.check(scan);
    } catch (AirlockException e) {
      throw e instanceof VerificationException v ? v : new VerificationException(e.getMessage(), e);
    } catch (dev.airlock.oci.DigestMismatchException e) {
      throw new VerificationException(scan.bundle() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The image policy over content that is no bundle (a mirror's sources, read live): every entry with a ref
   * name is evaluated as {@link #verify} evaluates a bundle's, with the trust root the options or the policy
   * name (there is no carried TUF repository). The report's checks hold the trust root's outcome when a
   * keyless rule needed it.
   */
  public static VerificationReport verifyPolicy(String what, dev.airlock.store.ContentStore store,
      List<dev.airlock.oci.Descriptor> entries, VerifyOptions options) throws IOException {
    List<VerificationReport.Check> checks = new ArrayList<>();
    List<ImageResult> images = new ArrayList<>();
    Instant now = options.clock().instant();
    Supplier<TrustRoot> trust = memo(trustRoot(options, now, null, checks));
    try {
      images.addAll(new PolicyEvaluator(store, options.policy(), options.policyDir(), trust, now)
          .allowUnmatched(options.allowUnmatchedRules()).evaluate(entries));
    } catch (VerificationException e) {
      checks.add(new VerificationReport.Check("policy", false, e.getMessage()));
    }
    boolean passed = checks.stream().allMatch(VerificationReport.Check::passed)
        && images.stream().allMatch(ImageResult::passed);
    return new VerificationReport(what, 0, checks, images, passed, Map.of());
  }

  /** The trust root for keyless rules, loaded when first needed; its outcome is recorded as a check. */
  private static Supplier<TrustRoot> trustRoot(VerifyOptions o, Instant at, Path carriedTuf,
      List<VerificationReport.Check> checks) {
    return () -> {
      Policy.Trust t = o.policy().trust();
      Path dir = o.policyDir();
      String pin = t == null ? null : t.trustedRootSha256();
      try {
        Duration maxAge = t == null ? null : t.maxAgeDuration();
        Instant now = o.clock().instant();
        if (maxAge != null && at.isBefore(now.minus(maxAge))) {
          throw new VerificationException("the validation time " + at + " is older than the policy's maxAge " + t.maxAge());
        }
        TrustRoot root;
        Path trusted = o.trustedRoot() != null ? o.trustedRoot()
            : t != null && t.trustedRoot() != null ? dir.resolve(t.trustedRoot()) : null;
        if (trusted != null) {
          root = TrustRoot.load(trusted, pin);
        } else {
          Path repo = o.tufRepository() != null ? o.tufRepository()
              : t != null && t.tufRepository() != null ? dir.resolve(t.tufRepository()) : null;
          Path pinnedRoot = o.tufRoot() != null ? o.tufRoot()
              : t != null && t.tufRoot() != null ? dir.resolve(t.tufRoot()) : null;
          if (repo != null) {
            root = TrustRoot.of(OfflineTufClient.trustedRoot(repo, pinnedRoot, at), "trusted_root.json from " + repo, pin);
          } else if (carriedTuf != null) {
            root = TrustRoot.of(carriedTrustedRoot(carriedTuf, pinnedRoot, at, o.tempDir()),
                "trusted_root.json from the TUF repository carried in the bundle", pin);
          } else {
            throw new VerificationException("keyless rules need a trust root: the bundle carries no TUF repository;"
                + " set trust.tufRepository or trust.trustedRoot in the policy");
          }
        }
        checks.add(new VerificationReport.Check("trust root", true, root.source() + " (" + root.digest().shortForm()
            + ") valid at " + at));
        return root;
      } catch (AirlockException e) {
        checks.add(new VerificationReport.Check("trust root", false, e.getMessage()));
        throw e;
      } catch (IOException e) {
        checks.add(new VerificationReport.Check("trust root", false, e.getMessage()));
        throw new UncheckedIOException(e);
      }
    };
  }

  /** Extracts the bundle's TUF archive to a temporary directory and walks it from the pinned root. */
  private static byte[] carriedTrustedRoot(Path archive, Path pinnedRoot, Instant at, Path tempParent) throws IOException {
    Path repo = dev.airlock.files.OwnedTempDirs.create(tempParent, "airlock-tuf-repo-");
    try {
      try (InputStream in = Files.newInputStream(archive)) {
        TufRepoArchive.extract(in, repo);
      }
      return OfflineTufClient.trustedRoot(repo, pinnedRoot, at);
    } finally {
      dev.airlock.files.OwnedTempDirs.delete(repo);
    }
  }

  private static <T> Supplier<T> memo(Supplier<T> s) {
    return new Supplier<>() {
      private T value;
      private RuntimeException failure;

      @Override
      public synchronized T get() {
        if (value == null && failure == null) {
          try {
            value = s.get();
          } catch (RuntimeException e) {
            failure = e;
          }
        }
        if (failure != null) {
          throw failure instanceof AirlockException a ? a : new VerificationException(failure.getMessage(), failure);
        }
        return value;
      }
    };
  }
}
