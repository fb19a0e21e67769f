package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleLock;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundle.SelfDistribution;
import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.Bundler;
import dev.airlock.bundler.KeySignatureHook;
import dev.airlock.verify.keys.KeyPassword;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.progress.TerminalProgress;
import dev.airlock.transfer.GraphCopier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bundle", mixinStandardHelpOptions = true,
    description = {"Resolve a bundle spec and write a signed, deduplicated OCI-layout bundle.",
        "Writes BUNDLE, BUNDLE.sha256, BUNDLE.catalog.db and BUNDLE.lock.yaml beside it."})
final class BundleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SPEC", description = "The bundle spec (YAML), see docs/bundle-spec.md.")
  Path specFile;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "BUNDLE", description = "The bundle tarball to write.")
  Path output;

  @Option(names = "--lock", paramLabel = "FILE", description = "Take digests, chart versions and the creation time from this lock file.")
  Path lock;

  @Option(names = "--compress", paramLabel = "none|zstd", defaultValue = "none", description = "Compress the whole tarball, or with --volume-size each part (.tar.zst parts, each at most the volume size compressed; default: ${DEFAULT-VALUE}).")
  String compress;

  @Option(names = "--work", paramLabel = "DIR", description = "Working OCI layout (default: BUNDLE.work beside the output, removed on success); kept after a failure so a re-run resumes.")
  Path work;

  @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Blobs fetched in parallel (default: ${DEFAULT-VALUE}).")
  int jobs = GraphCopier.defaultParallelism();

  @Option(names = "--key", paramLabel = "KEY", description = "Sign the bundle with this cosign private key, or the"
      + " key a pkcs11: URI names (RFC 7512; PIN from AIRLOCK_PKCS11_PIN, pin-source or a prompt).")
  Path key;

  @Option(names = "--pkcs11-module", paramLabel = "SO", description = "The PKCS#11 module for a pkcs11: key.")
  Path pkcs11Module;

  @Option(names = "--tuf-repo", paramLabel = "DIR", description = "Carry this Sigstore TUF repository (a local "
      + "consistent-snapshot copy) in the bundle, for offline keyless verification.")
  Path tufRepo;

  @Option(names = "--include-self", description = "Carry this airlock's self-contained distribution"
      + " (airlock-VERSION-linux-ARCH.tar.gz, from the build's target/ or beside the unpacked distribution) in"
      + " the bundle's metadata, for extract-self on the other side.")
  boolean includeSelf;

  @Option(names = "--self-tarball", paramLabel = "FILE", description = "The distribution tarball(s) --include-self"
      + " carries, one per platform (repeatable; implies --include-self).")
  List<Path> selfTarballs = new ArrayList<>();

  @Option(names = "--volume-size", paramLabel = "SIZE", description = "Cut the bundle into parts of at most SIZE"
      + " bytes each (4.7G, 4GiB, 700M; presets dvd, dvd-dl, bd25, bd50): BUNDLE-STEM.part-001-of-NNN.tar ...,"
      + " each verifiable alone. See docs/bundle-format.md, \"Parts\".")
  String volumeSize;

  @Option(names = "--only-parts", paramLabel = "N[,N...]", split = ",", description = "With --volume-size and --lock:"
      + " put only these part numbers in place (re-make a lost or damaged part; the others are left as they are).")
  List<Integer> onlyParts = new ArrayList<>();

  @Option(names = "--since", paramLabel = "RECEIPT", description = "Write a delta: leave out every blob this receipt"
      + " (airlock import --receipt, airlock receipt) says the target holds; repeatable (several sites: a blob is left"
      + " out only when every receipt has it). Also a previous bundle's BUNDLE.catalog.db (weaker: what was sent, not"
      + " what arrived). See docs/deltas.md.")
  List<Path> since = new ArrayList<>();

  @Option(names = "--receipt-key", paramLabel = "PUB", description = "Public key a --since receipt must be signed"
      + " with (repeatable).")
  List<Path> receiptKeys = new ArrayList<>();

  @Option(names = "--allow-unsigned-receipt", description = "Use a --since receipt without checking a signature"
      + " (an unsigned receipt, or no --receipt-key).")
  boolean allowUnsignedReceipt;

  @Mixin RegistryOptionsMixin registry;

  @Override
  public Integer call() throws Exception {
    if (!compress.equals("none") && !compress.equals("zstd")) {
      throw new InvalidInputException("--compress must be none or zstd, not '" + compress + "'");
    }
    if (jobs < 1 || jobs > 64) {
      throw new InvalidInputException("-j must be between 1 and 64");
    }
    if (tufRepo != null && !java.nio.file.Files.isDirectory(tufRepo)) { // before any fetch, not after
      throw new InvalidInputException("--tuf-repo " + tufRepo + " is not a directory");
    }
    long volume = volumeSize == null ? 0 : dev.airlock.bundle.parts.VolumeSize.parse(volumeSize);
    if (!onlyParts.isEmpty() && (volumeSize == null || lock == null)) {
      throw new InvalidInputException("--only-parts needs --volume-size and --lock (the set's own lock file, so the"
          + " parts re-made are those of the same bundle)");
    }
    List<SelfDistribution.Tarball> self = selfDistributions(); // before any fetch, not after
    BundleSpec bundleSpec = SpecReader.read(specFile);
    BundleLock bundleLock = lock == null ? null : BundleLock.read(lock);
    if (bundleLock != null && !bundleLock.name().equals(bundleSpec.name())) {
      throw new InvalidInputException("lock file " + lock + " is for bundle '" + bundleLock.name() + "', the spec is '"
          + bundleSpec.name() + "'");
    }
    PrintWriter out = spec.commandLine().getOut();
    TerminalProgress progress = TerminalProgress.forConsole(spec.commandLine().getErr());
    Path specDir = specFile.toAbsolutePath().normalize().getParent();
    Bundler.Result r;
    SigningKey signer = signingKey();
    Path workDir = work != null ? work : Bundler.defaultWorkDir(output);
    if (since.isEmpty() && (!receiptKeys.isEmpty() || allowUnsignedReceipt)) {
      throw new InvalidInputException("--receipt-key and --allow-unsigned-receipt go with --since RECEIPT");
    }
    Bundler.Delta delta = null;
    List<dev.airlock.delta.DeltaBases.Base> bases = List.of();
    try (dev.airlock.delta.DeltaBases sinceBases = since.isEmpty() ? null : deltaBases();
        OpenedSourceStores stores = new OpenedSourceStores(registry.toOptions(System.in))) {
      Bundler bundler = new Bundler(stores, new ChartRepository(), signer == null ? null : new KeySignatureHook(signer),
          progress, Main.version());
      if (sinceBases != null) {
        bundler.since(sinceBases);
        bases = sinceBases.bases();
      }
      r = bundler.bundle(new Bundler.Request(bundleSpec, specDir, output, bundleLock, compress.equals("zstd"), work,
          jobs, Bundler.createdFromEnvironment(System.getenv("SOURCE_DATE_EPOCH")), tufRepo, self)
          .withVolumeSize(volume).withOnlyParts(new java.util.TreeSet<>(onlyParts)));
      delta = bundler.delta();
    } catch (Exception e) {
      progress.finish();
      if (work == null && java.nio.file.Files.isDirectory(workDir)) {
        spec.commandLine().getErr().println("airlock: the working directory " + workDir + " is kept: the same command"
            + " again resumes from it (delete it to start over)");
      }
      throw e;
    } finally {
      progress.finish();
    }
    if (r.parts().isEmpty()) {
      out.println("bundle:  " + r.output());
      out.println("sha256:  " + r.digest().hex());
      out.println("size:    " + r.size() + " bytes (" + TerminalProgress.human(r.size()) + ")");
    } else {
      out.println("parts:   " + r.parts().size() + (onlyParts.isEmpty() ? "" : " re-made") + " of at most " + volume + " bytes (" + TerminalProgress.human(volume)
          + ") each, in " + r.parts().get(0).getParent());
      for (Path p : r.parts()) {
        out.println("         " + p.getFileName() + "  " + java.nio.file.Files.size(p) + " bytes");
      }
      out.println("sha256:  " + r.digest().hex() + " (the bundle tarball the parts make up; " + output.getFileName()
          + ".sha256 lists each part's)");
      out.println("size:    " + r.size() + " bytes (" + TerminalProgress.human(r.size()) + ")");
    }
    // "blobs stored" as audit counts them: every manifest, config and layer of the content, each once
    int leftOut = delta == null ? 0 : delta.leftOutBlobs();
    out.println("content: " + r.entries() + " entries, " + (r.blobs() - leftOut + r.manifests()) + " blobs stored ("
        + r.manifests() + " manifests, " + (r.blobs() - leftOut) + " configs and layers; " + r.files()
        + " files with the bundle's own metadata)" + (leftOut == 0 ? "" : "; " + leftOut + " more left out (delta)"));
    out.println("fetched: " + r.blobsFetched() + " blobs (" + r.bytesFetched() + " bytes), " + r.blobsReused()
        + " already in the working directory" + (r.blobsReused() > 0 ? " (left by an earlier run)" : "")
        + (r.blobsMadeHere() > 0 ? ", " + r.blobsMadeHere() + " packed here (charts and files)" : ""));
    out.println("dedup:   " + r.bytesReferenced() + " bytes referenced, "
        + (r.bytesStored() - (delta == null ? 0 : delta.leftOutBytes())) + " bytes stored");
    if (signer != null) {
      out.println("signed:  with key " + PublicKeys.keyId(signer.publicKey()).substring(0, 12) + " (" + key + ")");
    } else {
      out.println("signed:  no (no --key): verify and import need --allow-unsigned, and check integrity only");
    }
    if (delta != null) {
      for (dev.airlock.delta.DeltaBases.Base b : bases) {
        out.println("since:   " + dev.airlock.delta.DeltaCatalog.describe(b) + ", " + b.trust());
      }
      // the full bundle would also hold each left-out blob, with its tar header and padding
      long full = r.size() + delta.leftOutBytes() + 1024L * delta.leftOutBlobs();
      out.println("delta:   " + delta.leftOutBlobs() + " blobs (" + delta.leftOutBytes() + " bytes, "
          + TerminalProgress.human(delta.leftOutBytes()) + ") left out as expected at the target, "
          + delta.carriedBlobs() + " carried (" + TerminalProgress.human(delta.carriedBytes()) + "); " + r.size()
          + " bytes instead of about " + full + " for the full bundle ("
          + String.format(java.util.Locale.ROOT, "%.1f", 100.0 * r.size() / Math.max(1, full)) + "%)");
    }
    out.println("lock:    " + r.lockFile());
    out.println("catalog: " + r.catalog());
    for (SelfDistribution.Tarball t : self) {
      out.println("self:    airlock " + t.version() + " for " + t.platform() + " (" + TerminalProgress.human(t.size())
          + ", sha256 " + t.digest().hex() + ")");
    }
    return ExitCodes.OK;
  }

  /**
   * The distributions {@code --include-self} carries, each checked: those named by {@code --self-tarball}, else
   * this version's tarballs in the checkout's target/ or beside the unpacked distribution (airlock.home, set by
   * bin/airlock); one per platform.
   */
  private List<SelfDistribution.Tarball> selfDistributions() throws java.io.IOException {
    if (!includeSelf && selfTarballs.isEmpty()) {
      return List.of();
    }
    List<Path> files = new ArrayList<>(selfTarballs);
    if (files.isEmpty()) {
      String home = System.getProperty("airlock.home");
      List<Path> dirs = new ArrayList<>();
      if (home != null) {
        Path h = Path.of(home).toAbsolutePath().normalize();
        dirs.add(h.resolve("target"));
        dirs.add(h.getParent());
      }
      for (Path d : dirs) {
        files.addAll(SelfDistribution.findIn(d, Main.version()));
      }
      if (files.isEmpty()) {
        throw new InvalidInputException("--include-self: no distribution tarball of airlock " + Main.version()
            + " (airlock-" + Main.version() + "-linux-ARCH.tar.gz) in " + (dirs.isEmpty() ? "the places bin/airlock names"
            : dirs.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(" or ")))
            + "; build it (./mvnw package) or name it with --self-tarball FILE");
      }
    }
    List<SelfDistribution.Tarball> out = new ArrayList<>();
    java.util.Set<String> platforms = new java.util.HashSet<>();
    for (Path f : files) {
      SelfDistribution.Tarball t = SelfDistribution.inspect(f);
      if (!platforms.add(t.platform())) {
        throw new InvalidInputException("--include-self: two distributions for " + t.platform() + " (" + f + ")");
      }
      out.add(t);
    }
    return out;
  }

  private dev.airlock.delta.DeltaBases deltaBases() throws java.io.IOException {
    List<java.security.PublicKey> keys = new ArrayList<>();
    for (Path k : receiptKeys) {
      keys.add(PublicKeys.load(k));
    }
    return dev.airlock.delta.DeltaBases.open(since, keys, allowUnsignedReceipt);
  }

  /** The bundle signer's key for {@code --key}; null without a key. */
  private SigningKey signingKey() throws java.io.IOException {
    if (key == null) {
      return null;
    }
    return KeySources.load(key.toString(), pkcs11Module);
  }
}
