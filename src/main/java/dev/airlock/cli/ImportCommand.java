package dev.airlock.cli;

import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.OfflineBundleVerifier;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.importer.SparseIndexMode;
import dev.airlock.progress.TerminalProgress;
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

@Command(name = "import", mixinStandardHelpOptions = true,
    description = {"Verify a bundle, then load it into a registry or an OCI layout, losing nothing.",
        "The bundle is verified first (failure: nothing is pushed, exit 3); the target is probed and the plan"
            + " printed; blobs are pushed in parallel straight from the bundle, each at most once; the target is"
            + " re-read to prove every tag and signature; the import is recorded in the history."})
final class ImportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, paramLabel = "BUNDLE", description = "The bundle (tarball, or its OCI layout directory).")
  Path bundle;

  @Option(names = "--key", paramLabel = "PUB", description = "Public key the bundle must be signed with (repeatable).")
  List<Path> keys = new ArrayList<>();

  @Option(names = "--allow-unsigned", description = "Accept a bundle without a signature (integrity is still checked).")
  boolean allowUnsigned;

  @Option(names = "--allow-older", description = "Import a bundle even when a newer bundle of the same name (by its"
      + " signed creation time) was imported into this target before, as the history (--catalog) says; by default"
      + " that rollback is refused.")
  boolean allowOlder;

  @Option(names = "--dry-run", description = "Verify, probe and print the plan; push nothing.")
  boolean dryRun;

  @Option(names = "--sparse-index", paramLabel = "MODE", defaultValue = "auto", description = "What a"
      + " platform-filtered index becomes: auto (default: the original byte-for-byte where the target accepts an index"
      + " whose children are absent, else a filtered index of the carried platforms under the same tag), keep (the"
      + " original or fail), filter (always the filtered index), platform-tags (auto, plus TAG-os-arch tags), fail"
      + " (stop at the plan unless the original can be kept for certain).")
  String sparseIndex;

  @Option(names = "--keep-sparse-index", hidden = true, description = "Same as --sparse-index=keep (older spelling).")
  boolean keepSparseIndex;

  @Option(names = "--verify-first", description = "Hash every byte before the first upload and commit each blob as"
      + " it is pushed (default for registries: layers are hashed while uploaded into sessions committed once all"
      + " match). For a registry that expires upload sessions sooner than the import takes; each layer is read twice.")
  boolean verifyFirst;

  @Option(names = "--receipt", paramLabel = "FILE", description = "After the check after import, write a receipt of"
      + " the repositories imported into (their tags, manifests and blobs, re-read from the target) to FILE: what"
      + " the connected side computes the next delta bundle from (bundle --since FILE). See docs/deltas.md.")
  Path receipt;

  @Option(names = "--sign-receipt", paramLabel = "KEY", description = "Sign the receipt with this cosign private key"
      + " (password from AIRLOCK_PASSWORD/COSIGN_PASSWORD or a prompt); bundle --since checks it with --receipt-key.")
  Path receiptKey;

  @Option(names = "--receipt-created", paramLabel = "TIME", description = "The receipt's created time (e.g."
      + " 2026-12-02T10:00:00Z; default: SOURCE_DATE_EPOCH when set, else when it is taken): the same target then"
      + " gives a byte-identical receipt.")
  String receiptCreated;

  @Option(names = "--receipt-target", paramLabel = "NAME", description = "Importing a delta: the name its receipts"
      + " give this target, when it is reached under another one (an alias, another port, a moved oci: directory)."
      + " The blobs the delta left out are checked at the target all the same.")
  String receiptTarget;

  @Option(names = "--sign-with", paramLabel = "KEY", description = "Once the bundle is verified, imported and proven"
      + " at the target, sign every image it wrote with this site key (a cosign key file, password from"
      + " AIRLOCK_PASSWORD/COSIGN_PASSWORD or a prompt; or a pkcs11: URI): a Sigstore bundle referrer as cosign v3"
      + " writes it, recording the bundle and the verification that admitted the image. airlock verify-image checks it.")
  String signWith;

  @Option(names = "--sign-legacy-tag", description = "With --sign-with: also write cosign's legacy sha256-<hex>.sig"
      + " tag, for verifiers that predate Sigstore bundles.")
  boolean signLegacyTag;

  @Option(names = "--pkcs11-module", paramLabel = "SO", description = "The PKCS#11 module for pkcs11: keys (instead of"
      + " the URI's module-path), e.g. /usr/lib/softhsm/libsofthsm2.so.")
  Path pkcs11Module;

  @Mixin ImportTargetMixin target = new ImportTargetMixin();

  @Mixin RegistryOptionsMixin registry = new RegistryOptionsMixin();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path history = target.history();
    String to = target.target();
    if (receiptKey != null && receipt == null) {
      throw new dev.airlock.InvalidInputException("--sign-receipt needs --receipt FILE");
    }
    if (receiptCreated != null && receipt == null) {
      throw new dev.airlock.InvalidInputException("--receipt-created needs --receipt FILE");
    }
    java.time.Instant receiptAt = receipt == null ? null
        : dev.airlock.receipt.ReceiptTaker.created("--receipt-created", receiptCreated, System.getenv("SOURCE_DATE_EPOCH"));
    if (signLegacyTag && signWith == null) {
      throw new dev.airlock.InvalidInputException("--sign-legacy-tag needs --sign-with KEY");
    }
    dev.airlock.verify.keys.SigningKey receiptSigner = receiptKey == null ? null
        : KeySources.load(receiptKey.toString(), pkcs11Module);
    // the site key is opened before anything is read or pushed: a wrong password or PIN stops here
    dev.airlock.sitesign.ImportSigning signing = signWith == null ? null : new dev.airlock.sitesign.ImportSigning(
        KeySources.load(signWith, pkcs11Module), signLegacyTag, "airlock " + Main.version(), java.time.Clock.systemUTC());
    RegistryImportTargets targets = new RegistryImportTargets(registry.toOptions(System.in));
    BundleImporter importer = new BundleImporter(verifier(), targets).afterProof(signing);
    SparseIndexMode mode = keepSparseIndex ? SparseIndexMode.KEEP : SparseIndexMode.parse(sparseIndex);
    TerminalProgress progress = TerminalProgress.forConsole(err);
    ImportResult r = importer.run(bundle, new BundleImporter.Options(to, target.mapper(),
        target.verification(keys, allowUnsigned), dryRun, target.jobs, progress, target.emitConfig, history,
        (verified, plan) -> {
          out.println("verification: " + verified.summary());
          out.println("plan:");
          plan.describe().forEach(l -> out.println("  " + l));
          out.flush();
        }).withVerifyFirst(verifyFirst).withSparseIndex(mode).withAllowOlder(allowOlder)
            .withReceiptTarget(receiptTarget));
    progress.finish();
    if (!r.dryRun()) {
      if (r.verification().afterPush() != null) {
        out.println("integrity: " + r.verification().afterPush());
      }
      r.indexLines().forEach(l -> out.println("index: " + l));
      out.println("check after import:");
      r.proof().forEach(l -> out.println("  " + l));
      if (signing != null) {
        signing.lines().forEach(l -> out.println("site signature: " + l));
      }
    }
    if (signing != null && r.dryRun()) {
      out.println("site signature: none written (dry run; the key opened)");
    }
    r.configNotes().forEach(l -> out.println("config: " + l));
    out.println(r.summary());
    if (receipt != null && !r.dryRun()) {
      out.println("receipt: " + ReceiptCommand.afterImport(to, targets, r,
          receiptCreated == null && System.getenv("SOURCE_DATE_EPOCH") == null ? java.time.Instant.now() : receiptAt,
          receiptSigner, receipt).summary()
          + " -> " + receipt);
    }
    out.println("history: " + history.toAbsolutePath() + (r.historyId() > 0 ? " (import #" + r.historyId() + ")" : ""));
    out.flush();
    return ExitCodes.OK;
  }

  /** The verifier that runs before anything is pushed. */
  static BundleVerifier verifier() {
    return new OfflineBundleVerifier();
  }
}
