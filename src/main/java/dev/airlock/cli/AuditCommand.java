package dev.airlock.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.InvalidInputException;
import dev.airlock.catalog.AuditReport;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportHistoryFormat;
import dev.airlock.oci.Json;
import dev.airlock.progress.TerminalProgress;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Report what a bundle contains (from its catalog), what a receipt says a target holds, or what was"
        + " imported where and when.")
final class AuditCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, arity = "0..1", paramLabel = "BUNDLE",
      description = "The bundle; its catalog is read from BUNDLE.catalog.db beside it, else from inside the tar.")
  Path bundle;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "Output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--imports", description = "List the import history (which bundle, when, to where, what was pushed).")
  boolean imports;

  @Option(names = "--key", paramLabel = "PUB", description = "Check the bundle signature with this public key"
      + " (repeatable; this reads and hashes the whole bundle): exit 3 when it does not verify. With --html or"
      + " --markdown it gives the report's verdict; with --suggest-policy a key a signature names goes into signedBy.")
  java.util.List<Path> keys = new java.util.ArrayList<>();

  @Option(names = "--catalog", paramLabel = "DB",
      description = "The import history database (default: $XDG_DATA_HOME/airlock/history.db or ~/.local/share/airlock/history.db).")
  Path catalog;

  @Parameters(index = "1..*", converter = BundlePathConverter.class, paramLabel = "BUNDLE",
      description = "More bundles (or catalog files) to search, with --package.")
  java.util.List<Path> moreBundles = new java.util.ArrayList<>();

  @Option(names = "--html", paramLabel = "FILE", description = "Write the report as one self-contained HTML file"
      + " (a bundle, or the import history with --imports).")
  Path html;

  @Option(names = "--markdown", paramLabel = "FILE", description = "Write the report as Markdown.")
  Path markdown;

  @Option(names = "--package", paramLabel = "NAME[@RANGE]", description = "Find a package in the SBOMs of the bundles"
      + " named, or of every import in the history (--catalog): which bundle, image, platform, version, and where it"
      + " was imported. RANGE as for chart versions (3.0.x, >=2.17 <3); exit 1 when nothing matches.")
  String packageQuery;

  @Option(names = "--suggest-policy", description = "Print an image policy requiring exactly the signers the"
      + " bundle's signatures claim (a starting point to review; see docs/verification.md).")
  boolean suggestPolicy;


  @Option(names = "--policy", paramLabel = "POLICY.yaml", description = "Verify with this image policy for the report's verdict.")
  Path policy;

  @Option(names = "--tuf-repo", paramLabel = "DIR", description = "Local TUF repository for keyless policy rules.")
  Path tufRepo;

  @Option(names = "--trusted-root", paramLabel = "T.json", description = "Sigstore trusted_root.json for keyless policy rules.")
  Path trustedRoot;

  @Option(names = "--verification", paramLabel = "FILE", description = "Take the report's verdict from a saved"
      + " 'airlock verify BUNDLE -o json' instead of verifying again.")
  Path verification;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("text") && !format.equals("json")) {
      throw new InvalidInputException("-o must be text or json, not '" + format + "'");
    }
    if (packageQuery != null) {
      return AuditOutputs.packages(this);
    }
    if (!moreBundles.isEmpty()) {
      throw new InvalidInputException("audit takes one BUNDLE (several only with --package)");
    }
    if (imports && (html != null || markdown != null)) {
      return AuditOutputs.history(this);
    }
    if (suggestPolicy || html != null || markdown != null) {
      if (bundle == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name the bundle to report on");
      }
      return suggestPolicy ? AuditOutputs.suggestPolicy(this) : AuditOutputs.bundleReport(this);
    }
    if (imports) {
      if (bundle != null) {
        throw new InvalidInputException("--imports lists the import history; it takes no BUNDLE");
      }
      if (catalog != null && !java.nio.file.Files.exists(catalog)) { // a typo must not look like an empty history
        throw new InvalidInputException("no import history at " + catalog);
      }
      var records = ImportHistory.list(catalog != null ? catalog : ImportHistory.defaultPath());
      PrintWriter out = spec.commandLine().getOut();
      out.print(format.equals("json") ? ImportHistoryFormat.json(records) + "\n"
          : ImportHistoryFormat.table(records, TerminalProgress.onTerminal()));
      out.flush();
      return ExitCodes.OK;
    }
    if (bundle == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name the bundle to audit, or use --imports");
    }
    if (dev.airlock.receipt.Receipt.looksLikeReceipt(bundle)) {
      return ReceiptAudit.print(bundle, keys, format.equals("json"), spec.commandLine().getOut());
    }
    return auditBundle(bundle);
  }

  private int auditBundle(Path bundlePath) throws Exception {
    if (!Files.isRegularFile(bundlePath) && !dev.airlock.bundle.parts.PartSet.isPartSet(bundlePath)) {
      throw new InvalidInputException("bundle " + bundlePath + " does not exist");
    }
    Signature signature = signature(bundlePath);
    try (dev.airlock.audit.OpenedCatalog opened = dev.airlock.audit.OpenedCatalog.open(bundlePath)) {
      if (opened.warning() != null) {
        spec.commandLine().getErr().println("airlock: warning: " + opened.warning() + "; reading the catalog inside the bundle");
      }
      CatalogReader reader = opened.reader();
      AuditReport report = reader.report();
      PrintWriter out = spec.commandLine().getOut();
      if (format.equals("json")) {
        com.fasterxml.jackson.databind.node.ObjectNode tree = Json.MAPPER.valueToTree(report);
        tree.set("signature", Json.MAPPER.valueToTree(signature));
        out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree));
      } else {
        printText(report, out);
        out.println("signature:         " + signature.line());
      }
      out.flush();
    }
    return Boolean.FALSE.equals(signature.verified()) ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK;
  }

  /**
   * Who signed the bundle: what each signature names (unverified), and with {@code --key} whether it
   * verifies (null: not checked).
   */
  record Signature(java.util.List<dev.airlock.verify.BundleSignatures.Claimed> signatures, Boolean verified, String detail) {
    String line() {
      if (signatures.isEmpty()) {
        return "none (an unsigned bundle: verify and import need --allow-unsigned)" + (detail == null ? "" : "; " + detail);
      }
      java.util.List<String> who = new java.util.ArrayList<>();
      for (var c : signatures) {
        who.add(c.identity() != null ? c.identity() : c.keyIdHint() != null
            ? "key " + c.keyIdHint().substring(0, Math.min(12, c.keyIdHint().length())) : "a signer it does not name");
      }
      String named = "signed by " + String.join(", ", who);
      if (verified == null) {
        return named + " (as the signature names it, not verified: give --key PUB to check it)";
      }
      return verified ? named + ": verified, " + detail : named + ": does NOT verify: " + detail;
    }
  }

  /**
   * A compressed bundle is read once as a stream first (nothing written but its small entries) and then expands
   * only to what its blobs need, as import, inspect and serve do: a decompression bomb fills no disk.
   */
  private static long expansionBound(Path bundlePath) throws java.io.IOException {
    return dev.airlock.bundle.BundleArchive.isZstd(bundlePath)
        ? dev.airlock.verify.CompressedBundles.scannedBound(bundlePath) : Long.MAX_VALUE;
  }

  private Signature signature(Path bundlePath) throws java.io.IOException {
    java.util.List<dev.airlock.verify.BundleSignatures.Claimed> claimed;
    try (dev.airlock.store.archive.TarLayoutStore store = dev.airlock.store.archive.TarLayoutStore.open(bundlePath,
        expansionBound(bundlePath))) {
      claimed = dev.airlock.verify.BundleSignatures.of(store, store.index());
    } catch (dev.airlock.AirlockException e) {
      return new Signature(java.util.List.of(), null, "its signature could not be read: " + e.getMessage());
    }
    if (keys.isEmpty()) {
      return new Signature(claimed, null, null);
    }
    java.util.List<java.security.PublicKey> pks = new java.util.ArrayList<>();
    for (Path k : keys) {
      pks.add(dev.airlock.verify.keys.PublicKeys.load(k));
    }
    dev.airlock.verify.VerificationReport r = dev.airlock.verify.OfflineVerifier.verify(bundlePath,
        dev.airlock.verify.VerifyOptions.withKeys(pks));
    for (var c : r.checks()) {
      if (c.name().equals("bundle signature")) {
        return new Signature(claimed, c.passed(), c.passed() ? "with " + keys.stream().map(Path::toString)
            .collect(java.util.stream.Collectors.joining(", ")) + ": " + c.detail() : c.detail());
      }
    }
    return new Signature(claimed, false, r.firstFailure());
  }

  static void printText(AuditReport r, PrintWriter out) {
    out.println("bundle " + r.bundle().name() + ", created " + r.bundle().created() + " by airlock "
        + r.bundle().toolVersion());
    for (AuditReport.Source s : r.sources()) {
      out.println();
      out.println(s.kind() + " " + s.ref());
      out.println("  digest:    " + s.digest());
      out.println("  type:      " + s.mediaType());
      out.println("  from:      " + s.origin());
      if (!s.platforms().isEmpty() || !s.absentPlatforms().isEmpty()) {
        out.println("  platforms: " + String.join(", ", s.platforms())
            + (s.absentPlatforms().isEmpty() ? "" : " (left out: " + String.join(", ", s.absentPlatforms()) + ")"));
      }
      out.println("  size:      " + s.size() + " bytes (" + TerminalProgress.human(s.size()) + ")");
      for (AuditReport.Referrer ref : s.referrers()) {
        out.println("  " + ref.kind() + ": " + ref.digest() + (ref.tag() != null ? " (tag " + ref.tag() + ")" : "")
            + (ref.artifactType() != null ? " " + ref.artifactType() : ""));
        for (String line : dev.airlock.audit.SignerLines.of(r.bundle(), ref)) {
          out.println("    " + line);
        }
      }
    }
    for (AuditReport.Chart c : r.charts()) {
      out.println();
      out.println("chart " + c.name() + " " + c.version() + (c.appVersion() != null ? " (app " + c.appVersion() + ")" : "")
          + " from " + c.source() + " as " + c.ref());
      for (String i : c.images()) {
        out.println("  image: " + i);
      }
    }
    out.println();
    out.println("blobs stored:      " + r.blobCount() + ", " + r.storedBytes() + " bytes ("
        + TerminalProgress.human(r.storedBytes()) + ")");
    out.println("layers referenced: " + r.referencedBytes() + " bytes, stored once: " + r.uniqueLayerBytes() + " bytes");
    out.println("dedup saving:      " + r.dedupSavedBytes() + " bytes (" + TerminalProgress.human(r.dedupSavedBytes()) + ")");
  }
}
