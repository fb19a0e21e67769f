package dev.airlock.verify.notation;

import dev.airlock.testing.SharedTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared Notation vectors ({@code ../shared/testdata/notation}, README "Expected outcomes"): the trust
 * stores the README names, built in a temporary directory, and every row of its table.
 */
final class NotationVectors {
  /** The README's "now". */
  static final Instant README_TIME = Instant.parse("2026-12-02T00:00:00Z");

  private NotationVectors() {}

  /**
   * One row: a layout case under a policy file and a store; {@code expected} is {@code pass},
   * {@code pass logged:CHECK[,CHECK]}, {@code fail:CHECK}, {@code fail:no signature} or
   * {@code policy:KEYWORD} (the trust policy document is rejected).
   */
  record Row(String layout, String policy, String store, String expected) {
    @Override
    public String toString() {
      return layout + " / " + policy + " / " + store + " -> " + expected;
    }
  }

  static List<Row> rows() {
    List<Row> r = new ArrayList<>();
    String valid = "e2e-valid-signature";
    for (String p : List.of("trustpolicy", "permissive_trustpolicy", "audit_trustpolicy")) {
      r.add(new Row(valid, p, "A", "pass"));
    }
    r.add(new Row(valid, "valid_trusted_identity_trustpolicy", "A", "pass"));
    r.add(new Row(valid, "invalid_trusted_identity_trustpolicy", "A", "fail:trusted identity"));
    r.add(new Row(valid, "malformed_trusted_identity_trustpolicy", "A", "policy:missing separator"));
    r.add(new Row(valid, "malformed_trust_store_trustpolicy", "A", "policy:unsupported trust store name"));
    r.add(new Row(valid, "invalid_format_trustpolicy", "A", "policy:not valid JSON"));
    r.add(new Row(valid, "trustpolicy", "B", "fail:authenticity"));
    r.add(new Row(valid, "permissive_trustpolicy", "B", "fail:authenticity"));
    r.add(new Row(valid, "audit_trustpolicy", "B", "pass logged:authenticity"));
    r.add(new Row(valid, "override_strict_trustpolicy", "B", "pass logged:authenticity"));
    r.add(new Row(valid, "override_permissive_trustpolicy", "B", "pass logged:authenticity"));
    r.add(new Row(valid, "override_audit_trustpolicy", "B", "fail:authenticity"));
    r.add(new Row(valid, "timestamp_trustpolicy", "A+T", "fail:authentic timestamp"));
    r.add(new Row(valid, "timestamp_after_cert_expiry_trustpolicy", "A+T", "pass"));
    String invalid = "e2e-invalid-signature";
    for (String p : List.of("trustpolicy", "permissive_trustpolicy", "audit_trustpolicy")) {
      r.add(new Row(invalid, p, "A", "fail:integrity"));
    }
    r.add(new Row(invalid, "skip_trustpolicy", "none", "pass"));
    String expired = "e2e-expired-signature";
    r.add(new Row(expired, "trustpolicy", "A", "fail:expiry"));
    r.add(new Row(expired, "permissive_trustpolicy", "A", "pass logged:expiry"));
    r.add(new Row(expired, "audit_trustpolicy", "A", "pass logged:expiry"));
    r.add(new Row(expired, "override_strict_trustpolicy", "A", "pass logged:expiry"));
    r.add(new Row(expired, "override_permissive_trustpolicy", "A", "fail:expiry"));
    r.add(new Row(expired, "override_audit_trustpolicy", "A", "fail:expiry"));
    String ts = "e2e-with-timestamped-signature";
    r.add(new Row(ts, "trustpolicy", "C", "fail:expiry"));
    for (String p : List.of("permissive_trustpolicy", "audit_trustpolicy", "override_strict_trustpolicy")) {
      r.add(new Row(ts, p, "C", "pass logged:expiry,authentic timestamp"));
    }
    r.add(new Row(ts, "timestamp_trustpolicy", "C+T", "fail:expiry"));
    r.add(new Row(ts, "trustpolicy", "A", "fail:authenticity"));
    for (String p : List.of("trustpolicy", "permissive_trustpolicy", "audit_trustpolicy", "valid_trusted_identity_trustpolicy")) {
      r.add(new Row("e2e", p, "A", "fail:no signature"));
    }
    r.add(new Row("e2e", "skip_trustpolicy", "none", "pass"));
    return r;
  }

  static Path layout(String name) {
    return SharedTestData.notation("layouts/" + name);
  }

  static Path policy(String name) {
    return SharedTestData.notation("trustpolicies/" + name + ".json");
  }

  /** Builds store {@code A}, {@code B}, {@code C}, {@code A+T}, {@code C+T} or {@code none} under {@code dir}. */
  static Path store(Path dir, String name) throws IOException {
    Path root = dir.resolve("store-" + name.replace('+', '-'));
    if (Files.isDirectory(root)) {
      return root;
    }
    Files.createDirectories(root.resolve("x509"));
    if (name.startsWith("A")) {
      copy(SharedTestData.notation("certs/e2e.crt"), root.resolve("x509/ca/e2e/e2e.crt"));
    } else if (name.startsWith("B")) {
      copy(SharedTestData.notation("certs/new_e2e.crt"), root.resolve("x509/ca/e2e/new_e2e.crt"));
    } else if (name.startsWith("C")) {
      copy(SharedTestData.notation("certs/x5c/testcert7.der"), root.resolve("x509/ca/e2e/testcert7.cer"));
    }
    if (name.endsWith("+T")) {
      copy(SharedTestData.notation("certs/globalsignTSARoot.cer"), root.resolve("x509/tsa/e2e/globalsignTSARoot.cer"));
      copy(SharedTestData.notation("certs/DigiCertTSARootSHA384.cer"), root.resolve("x509/tsa/e2e/DigiCertTSARootSHA384.cer"));
    }
    return root;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to);
  }

  /** The outcome of a verdict in the rows' words. */
  static String outcome(NotationArtifactVerifier.Verdict v) {
    if (v.passed()) {
      List<NotationResult.Outcome> logged = v.signatures().isEmpty() ? List.of()
          : v.signatures().get(v.signatures().size() - 1).logged();
      return logged.isEmpty() ? "pass"
          : "pass logged:" + String.join(",", logged.stream().map(o -> o.check().label()).toList());
    }
    if (v.signatures().isEmpty()) {
      return "fail:no signature";
    }
    return "fail:" + v.signatures().get(v.signatures().size() - 1).failure().label();
  }
}
