package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.audit.BundleIdentity;
import dev.airlock.audit.BundleReport;
import dev.airlock.audit.HistoryReport;
import dev.airlock.audit.HtmlRenderer;
import dev.airlock.audit.MarkdownRenderer;
import dev.airlock.audit.OpenedCatalog;
import dev.airlock.audit.PackageSearch;
import dev.airlock.audit.PackageSearchOutput;
import dev.airlock.audit.PolicySuggestion;
import dev.airlock.audit.ReportDocument;
import dev.airlock.audit.Verdict;
import dev.airlock.catalog.AuditReport;
import dev.airlock.history.ImportHistory;
import dev.airlock.store.AtomicFiles;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit's reports for people: the bundle report as HTML or Markdown (with a verdict), the suggested
 * policy, the package search and the import history report. {@link AuditCommand} parses; this runs the
 * phases (open the catalog, verify, build the document, write it) through the library.
 */
final class AuditOutputs {
  private AuditOutputs() {}

  static int bundleReport(AuditCommand c) throws IOException {
    PrintWriter out = c.spec.commandLine().getOut();
    try (OpenedCatalog catalog = OpenedCatalog.open(c.bundle)) {
      BundleIdentity identity = catalog.isBundle() ? BundleIdentity.read(c.bundle) : null;
      Verdict verdict = verdict(c, catalog);
      AuditReport audit = catalog.reader().report();
      ReportDocument doc = BundleReport.document(new BundleReport.Input(c.bundle.getFileName().toString(),
          catalog.origin(), identity, audit, catalog.reader().packages(null), catalog.reader().chartImages(), verdict,
          List.of(), Instant.now().truncatedTo(ChronoUnit.SECONDS), Main.version()));
      write(c, doc, out);
      out.println("verdict: " + doc.summary().headline()
          + (verdict != null && !verdict.passed() ? ": " + verdict.report().firstFailure() : ""));
      out.flush();
      if (verdict != null && !verdict.passed()) {
        c.spec.commandLine().getErr().println("airlock: verification failed: " + verdict.report().firstFailure());
        return ExitCodes.VERIFICATION_FAILED;
      }
      return ExitCodes.OK;
    }
  }

  /** The verdict asked for: a saved verification, a verification run now, or none. */
  private static Verdict verdict(AuditCommand c, OpenedCatalog catalog) throws IOException {
    boolean verify = !c.keys.isEmpty() || c.policy != null;
    if (c.verification != null) {
      if (verify) {
        throw new InvalidInputException("give --verification FILE or --key/--policy, not both");
      }
      return Verdict.load(c.verification, c.bundle);
    }
    if (!verify) {
      return null;
    }
    if (!catalog.isBundle()) {
      throw new InvalidInputException("--key and --policy verify a bundle; " + c.bundle + " is a catalog file");
    }
    VerifyOptions opts = VerifyOptions.withKeys(loadKeys(c.keys)).withTuf(c.tufRepo, null).withTrustedRoot(c.trustedRoot);
    if (c.policy != null) {
      Path p = c.policy.toAbsolutePath();
      opts = opts.withPolicy(Policy.load(p), p.getParent());
    }
    VerificationReport r = OfflineVerifier.verify(c.bundle, opts);
    List<String> how = new ArrayList<>();
    c.keys.forEach(k -> how.add("--key " + k.getFileName()));
    if (c.policy != null) {
      how.add("--policy " + c.policy.getFileName());
    }
    return new Verdict(r, "run for this report with " + String.join(" ", how));
  }

  private static List<PublicKey> loadKeys(List<Path> files) throws IOException {
    List<PublicKey> out = new ArrayList<>();
    for (Path k : files) {
      out.add(PublicKeys.load(k));
    }
    return out;
  }

  private static void write(AuditCommand c, ReportDocument doc, PrintWriter out) throws IOException {
    if (c.html != null) {
      AtomicFiles.write(c.html, HtmlRenderer.render(doc).getBytes(StandardCharsets.UTF_8));
      out.println("report: " + c.html + " (HTML)");
    }
    if (c.markdown != null) {
      AtomicFiles.write(c.markdown, MarkdownRenderer.render(doc).getBytes(StandardCharsets.UTF_8));
      out.println("report: " + c.markdown + " (Markdown)");
    }
  }

  static int suggestPolicy(AuditCommand c) throws IOException {
    Map<String, Path> keyFiles = new LinkedHashMap<>();
    for (Path k : c.keys) {
      keyFiles.put(PublicKeys.keyId(PublicKeys.load(k)), k);
    }
    try (OpenedCatalog catalog = OpenedCatalog.open(c.bundle)) {
      PrintWriter out = c.spec.commandLine().getOut();
      out.print(PolicySuggestion.yaml(catalog.reader().report(), keyFiles));
      out.flush();
    }
    return ExitCodes.OK;
  }

  static int packages(AuditCommand c) throws IOException {
    PackageSearch q = PackageSearch.parse(c.packageQuery);
    List<Path> bundles = new ArrayList<>();
    if (c.bundle != null) {
      bundles.add(c.bundle);
    }
    bundles.addAll(c.moreBundles);
    if (c.html != null || c.markdown != null || c.suggestPolicy || c.imports) {
      throw new InvalidInputException("--package prints matches (-o text or json); it takes no --html, --markdown,"
          + " --suggest-policy or --imports");
    }
    PrintWriter out = c.spec.commandLine().getOut();
    List<PackageSearch.Hit> hits = new ArrayList<>();
    String where;
    boolean history = bundles.isEmpty();
    if (history) {
      Path db = c.catalog != null ? c.catalog : ImportHistory.defaultPath();
      if (!Files.exists(db)) {
        throw new InvalidInputException("no import history at " + db + "; name bundles to search, or --catalog DB");
      }
      hits.addAll(q.inHistory(db));
      where = "the import history " + db;
    } else {
      if (c.catalog != null) {
        throw new InvalidInputException("--package searches the BUNDLEs named or the history (--catalog), not both");
      }
      List<String> names = new ArrayList<>();
      for (Path b : bundles) {
        try (OpenedCatalog catalog = OpenedCatalog.open(b)) {
          String id = catalog.isBundle() ? BundleIdentity.read(b).rootDigest().toString() : null;
          hits.addAll(q.inCatalog(catalog, id));
        }
        names.add(b.toString());
      }
      where = String.join(", ", names);
    }
    if (hits.isEmpty()) {
      throw new NotFoundException(q.describe() + " is listed by no SBOM in " + where);
    }
    if (c.format.equals("json")) {
      out.print(PackageSearchOutput.json(q, hits));
    } else {
      out.print(history ? PackageSearchOutput.historyTable(q, hits) : PackageSearchOutput.bundleTable(q, hits));
    }
    out.flush();
    return ExitCodes.OK;
  }

  static int history(AuditCommand c) throws IOException {
    if (c.bundle != null) {
      throw new InvalidInputException("--imports reports the import history; it takes no BUNDLE");
    }
    Path db = c.catalog != null ? c.catalog : ImportHistory.defaultPath();
    if (c.catalog != null && !Files.exists(db)) {
      throw new InvalidInputException("no import history at " + db);
    }
    ImportHistory h = Files.exists(db) ? ImportHistory.open(db) : null;
    ReportDocument doc = HistoryReport.document(db, h, Instant.now().truncatedTo(ChronoUnit.SECONDS), Main.version());
    PrintWriter out = c.spec.commandLine().getOut();
    write(c, doc, out);
    out.flush();
    return ExitCodes.OK;
  }
}
