package dev.airlock.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.oci.Json;
import dev.airlock.verify.ImageResult;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.RuleResult;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.policy.PolicySources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Verify a bundle offline: integrity, signatures, trust roots and image policies.",
        "Exit 0 when everything holds, 3 when a check or policy rule fails. See docs/verification.md."})
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, paramLabel = "BUNDLE", description = "The bundle tarball (.tar or .tar.zst).")
  Path bundle;

  @Option(names = "--key", paramLabel = "PUB", description = "Pinned public key of the bundle signature (repeatable).")
  List<Path> keys = new ArrayList<>();

  @Option(names = "--policy", paramLabel = "POLICY.yaml", description = "Image policy to enforce.")
  Path policy;

  @Mixin NotationTrustMixin notation = new NotationTrustMixin();

  @Option(names = "--allow-unsigned", description = "Accept a bundle without signature (or without --key).")
  boolean allowUnsigned;

  @Option(names = "--allow-unmatched-rules", description = "A policy entry whose match selects no image is reported"
      + " but does not fail the verification (default: it fails, so a typo cannot turn a rule off).")
  boolean allowUnmatchedRules;

  @Option(names = "--tuf-repo", paramLabel = "DIR", description = "Local TUF repository (overrides the policy's).")
  Path tufRepo;

  @Option(names = "--tuf-root", paramLabel = "ROOT.json", description = "Pinned initial TUF root (overrides the policy's).")
  Path tufRoot;

  @Option(names = "--trusted-root", paramLabel = "T.json", description = "Use this trusted_root.json instead of TUF.")
  Path trustedRoot;

  @Option(names = "--at", paramLabel = "TIME", description = "Verify as of TIME (RFC 3339, e.g. 2023-06-27T05:21:00Z;"
      + " default now): signature expiry, certificate validity without an authenticated time, and CRL currency are"
      + " judged at it. For audits of what held then; import always verifies at now.")
  String at;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table or json.")
  String output;

  @Option(names = "--this-part", description = "With a part (bundle --volume-size): verify this part alone, even"
      + " the first (a part other than the first is always verified alone; a directory or the first part: the set).")
  boolean thisPart;

  @Override
  public Integer call() throws Exception {
    if (!"table".equals(output) && !"text".equals(output) && !"json".equals(output)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "-o must be table or json, not '" + output + "'");
    }
    List<PublicKey> pks = new ArrayList<>();
    for (Path k : keys) {
      pks.add(PublicKeys.load(k));
    }
    VerifyOptions opts = VerifyOptions.withKeys(pks).withAllowUnsigned(allowUnsigned).withTuf(tufRepo, tufRoot)
        .withTrustedRoot(trustedRoot).withAllowUnmatchedRules(allowUnmatchedRules);
    if (at != null) {
      java.time.Instant when;
      try {
        when = java.time.OffsetDateTime.parse(at).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        throw new dev.airlock.InvalidInputException("--at '" + at + "' is not an RFC 3339 time (like 2023-06-27T05:21:00Z)");
      }
      opts = opts.withClock(java.time.Clock.fixed(when, java.time.ZoneOffset.UTC));
    }
    PolicySources.Loaded loaded = PolicySources.load(policy, notation.trustPolicy, notation.trustStore);
    if (loaded.policy() != null) {
      opts = opts.withPolicy(loaded.policy(), loaded.dir());
    }
    PrintWriter out = spec.commandLine().getOut();
    PartsVerification parts = null;
    if (dev.airlock.bundle.parts.PartSet.isPartSet(bundle)) {
      parts = new PartsVerification(out, spec.commandLine().getErr(), "json".equals(output));
      Integer early = parts.verify(bundle, pks, allowUnsigned, thisPart);
      if (early != null) {
        return early;
      }
    } else if (thisPart) {
      throw new dev.airlock.InvalidInputException("--this-part: " + bundle + " is not a part");
    }
    // a set: its part files were hashed while their data was checked; the checksum file beside them uses those
    VerificationReport report = OfflineVerifier.verify(bundle, opts,
        parts != null && parts.lastSet != null ? parts.lastSet.fileDigests() : java.util.Map.of());
    if ("json".equals(output)) {
      com.fasterxml.jackson.databind.JsonNode tree = Json.MAPPER.valueToTree(report);
      if (parts != null && parts.lastSet != null && tree.isObject()) { // a set: each part's status too
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).set("parts", PartsVerification.statuses(parts.lastSet));
      }
      out.println(Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree));
    } else {
      printTable(out, report);
    }
    out.flush();
    if (!report.passed()) {
      spec.commandLine().getErr().println("airlock: verification failed: " + report.firstFailure());
      return ExitCodes.VERIFICATION_FAILED;
    }
    return ExitCodes.OK;
  }

  static void printTable(PrintWriter out, VerificationReport r) {
    out.println("Bundle " + r.bundle());
    for (VerificationReport.Check c : r.checks()) {
      out.printf("  %-4s %-17s %s%n", c.passed() ? "ok" : "FAIL", c.name(), c.detail());
    }
    if (!r.images().isEmpty()) {
      out.printf("%n%-50s %-19s %-4s %-40s %s%n", "IMAGE", "DIGEST", "", "RULE", "WHY");
      for (ImageResult i : r.images()) {
        String digest = i.digest().length() > 19 ? i.digest().substring(0, 19) : i.digest();
        for (RuleResult rr : i.rules()) {
          out.printf("%-50s %-19s %-4s %-40s %s%n", i.reference(), digest, rr.passed() ? "ok" : "FAIL", rr.rule(), rr.why());
        }
        for (String n : i.notes()) {
          out.printf("%-50s %-19s %-4s %-40s %s%n", i.reference(), digest, "note", "", n);
        }
        out.printf("%-50s %-19s %-4s %s%n", i.reference(), digest, i.passed() ? "PASS" : "FAIL",
            "policy " + i.policy() + " (" + i.required() + " of " + i.rules().size() + " rules required)");
      }
    }
    out.println(r.passed() ? "Verified." : "NOT verified.");
  }
}
