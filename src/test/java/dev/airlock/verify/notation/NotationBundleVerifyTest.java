package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of the shared Notation README through the CLI, as an operator runs it: one bundle made from
 * the five layouts ({@code layout:} sources), then {@code airlock verify --notation-trust-policy FILE
 * --notation-trust-store DIR -o json} once per policy and store, each image's outcome read from the report.
 */
class NotationBundleVerifyTest {
  @TempDir static Path tmp;
  static final List<String> CASES = List.of("e2e", "e2e-valid-signature", "e2e-invalid-signature", "e2e-expired-signature",
      "e2e-with-timestamped-signature");

  @BeforeAll
  static void bundleTheLayouts() throws Exception {
    // one bundle per case: four of the layouts sign the same image digest, and a bundle is one layout
    for (String c : CASES) {
      Files.writeString(tmp.resolve(c + ".yaml"), """
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: %s}
          spec:
            images:
              - layout: %s:v1
                name: registry.example/notation/%s:v1
          """.formatted(c, NotationVectors.layout(c), c));
      CommandResult r = CommandResult.run("bundle", tmp.resolve(c + ".yaml").toString(), "-o", bundle(c).toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
  }

  static Path bundle(String c) {
    return tmp.resolve(c + ".tar");
  }

  @Test
  void everyReadmeRowThroughAirlockVerify() throws Exception {
    List<String> mismatches = new ArrayList<>();
    for (NotationVectors.Row row : NotationVectors.rows()) {
      CommandResult r = CommandResult.run("verify", bundle(row.layout()).toString(), "--allow-unsigned",
          "--notation-trust-policy", NotationVectors.policy(row.policy()).toString(),
          "--notation-trust-store", NotationVectors.store(tmp, row.store()).toString(), "-o", "json");
      String got;
      if (row.expected().startsWith("policy:")) {
        got = r.exitCode() == 1 && r.err().contains(row.expected().substring(7)) && r.out().isEmpty()
            ? row.expected() : "exit " + r.exitCode() + ": " + r.err();
      } else {
        got = outcome(r, "registry.example/notation/" + row.layout() + ":v1");
        int exit = row.expected().startsWith("pass") ? 0 : 3;
        if (r.exitCode() != exit) {
          got += " with exit " + r.exitCode();
        }
      }
      if (!got.equals(row.expected())) {
        mismatches.add(row + " but got " + got);
      }
    }
    assertThat(mismatches).isEmpty();
  }

  /**
   * The README's "Now versus signing time" table through {@code airlock verify --at}: each row at a time within
   * its signing window and at now (no --at; the README's date is 2026-12-02), with the README's result and
   * exit code.
   */
  @Test
  void theNowVersusSigningTimeTableThroughAirlockVerify() throws Exception {
    record Row(String layout, String policy, String store, String at, String atSigning, String now) {}
    List<Row> rows = List.of(
        new Row("e2e-valid-signature", "trustpolicy", "A", "2023-06-27T05:30:40Z", "pass", "pass"),
        new Row("e2e-invalid-signature", "trustpolicy", "A", "2023-06-27T05:30:40Z", "fail:integrity", "fail:integrity"),
        new Row("e2e-expired-signature", "trustpolicy", "A", "2023-06-27T05:20:50Z", "pass", "fail:expiry"),
        new Row("e2e-with-timestamped-signature", "trustpolicy", "C", "2025-01-21T10:00:00Z", "pass", "fail:expiry"),
        new Row("e2e-with-timestamped-signature", "timestamp_trustpolicy", "C+T", "2025-01-21T10:00:00Z",
            "fail:authentic timestamp", "fail:expiry"));
    List<String> mismatches = new ArrayList<>();
    for (Row row : rows) {
      for (String at : new String[] {row.at(), null}) {
        List<String> args = new ArrayList<>(List.of("verify", bundle(row.layout()).toString(), "--allow-unsigned",
            "--notation-trust-policy", NotationVectors.policy(row.policy()).toString(),
            "--notation-trust-store", NotationVectors.store(tmp, row.store()).toString(), "-o", "json"));
        if (at != null) {
          args.addAll(List.of("--at", at));
        }
        CommandResult r = CommandResult.run(args.toArray(String[]::new));
        String want = at == null ? row.now() : row.atSigning();
        String got = outcome(r, "registry.example/notation/" + row.layout() + ":v1");
        int exit = want.equals("pass") ? 0 : 3;
        if (!got.equals(want) || r.exitCode() != exit) {
          mismatches.add(row.layout() + " " + row.policy() + " " + row.store() + " at " + (at == null ? "now" : at)
              + ": want " + want + " (exit " + exit + "), got " + got + " (exit " + r.exitCode() + ")");
        }
      }
    }
    assertThat(mismatches).isEmpty();
    // the expired signature, 1 s past its expiry: refused with the reason on one line
    CommandResult late = CommandResult.run("verify", bundle("e2e-expired-signature").toString(), "--allow-unsigned",
        "--notation-trust-policy", NotationVectors.policy("trustpolicy").toString(),
        "--notation-trust-store", NotationVectors.store(tmp, "A").toString(), "--at", "2023-06-27T05:21:22Z");
    assertThat(late.exitCode()).isEqualTo(3);
    assertThat(late.err()).contains("expiry failed").doesNotContain("\n\t");
    CommandResult bad = CommandResult.run("verify", bundle("e2e-valid-signature").toString(), "--allow-unsigned", "--at",
        "yesterday");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err().strip()).contains("--at 'yesterday' is not an RFC 3339 time").doesNotContain("\n");
  }

  @Test
  void anImageNoStatementCoversFailsAndTheTableNamesTheSigner() throws Exception {
    Path policy = tmp.resolve("scoped.json");
    Files.writeString(policy, """
        {"version": "1.0", "trustPolicies": [{"name": "only-valid",
          "registryScopes": ["registry.example/notation/e2e-valid-signature"],
          "signatureVerification": {"level": "strict"}, "trustStores": ["ca:e2e"], "trustedIdentities": ["*"]}]}
        """);
    Files.writeString(tmp.resolve("two.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: two}
        spec:
          images:
            - layout: %s:v1
              name: registry.example/notation/e2e-valid-signature:v1
            - layout: %s:v1
              name: registry.example/notation/other:v1
        """.formatted(NotationVectors.layout("e2e-valid-signature"), NotationVectors.layout("e2e-with-timestamped-signature")));
    Path two = tmp.resolve("two.tar");
    assertThat(CommandResult.run("bundle", tmp.resolve("two.yaml").toString(), "-o", two.toString()).exitCode()).isZero();
    CommandResult r = CommandResult.run("verify", two.toString(), "--allow-unsigned", "--notation-trust-policy",
        policy.toString(), "--notation-trust-store", NotationVectors.store(tmp, "A").toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(3);
    assertThat(r.out()).contains("ok   notation trust policy scoped.json statement 'only-valid'")
        .contains("notation JWS signature sha256:90ceaff260d6 by 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US' (notary.x509) verified")
        .contains("no statement of " + policy + " applies to registry.example/notation/other");
  }

  @Test
  void notationRuleInAirlocksPolicyAndTrustNotationInThePolicyFile() throws Exception {
    Path storeA = NotationVectors.store(tmp, "A");
    Path storeB = NotationVectors.store(tmp, "B");
    Path valid = bundle("e2e-valid-signature");
    Path rule = tmp.resolve("rule.yaml");
    Files.writeString(rule, """
        apiVersion: airlock.dev/v1
        images:
          - match: "registry.example/notation/**"
            rules:
              - notation:
                  trustStore: %s
                  identities: ["x509.subject: C=US, ST=WA, O=Notary"]
        """.formatted(storeA));
    CommandResult ok = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", rule.toString());
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("ok   notation x509.subject: C=US, ST=WA, O=Notary")
        .contains("verified (statement 'airlock notation rule', level strict");
    Files.writeString(rule, Files.readString(rule).replace("O=Notary", "O=Other"));
    CommandResult other = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", rule.toString());
    assertThat(other.exitCode()).isEqualTo(3);
    assertThat(other.err()).contains("trusted identity failed");
    Files.writeString(rule, Files.readString(rule).replace(storeA.toString(), storeB.toString()).replace("O=Other", "O=Notary"));
    CommandResult sameKey = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", rule.toString());
    assertThat(sameKey.exitCode()).isEqualTo(3);
    assertThat(sameKey.err()).contains("authenticity failed");
    Files.writeString(rule, Files.readString(rule).replace("identities: [\"x509.subject: C=US, ST=WA, O=Notary\"]",
        "identities: [\"x509.subject C=US\"]"));
    CommandResult malformed = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", rule.toString());
    assertThat(malformed.exitCode()).isEqualTo(1);
    assertThat(malformed.err()).contains("notation rule").contains("missing separator");

    Files.createDirectories(tmp.resolve("site/notation"));
    Files.copy(NotationVectors.policy("trustpolicy"), tmp.resolve("site/notation/trustpolicy.json"));
    Path file = tmp.resolve("site/policy.yaml");
    Files.writeString(file, """
        apiVersion: airlock.dev/v1
        trust:
          notation: {trustPolicy: notation/trustpolicy.json, trustStore: %s}
        """.formatted(storeA));
    CommandResult viaFile = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", file.toString());
    assertThat(viaFile.exitCode()).as(viaFile.out() + viaFile.err()).isZero();
    assertThat(viaFile.out()).contains("notation trust policy trustpolicy.json statement 'e2e'");
    CommandResult overridden = CommandResult.run("verify", valid.toString(), "--allow-unsigned", "--policy", file.toString(),
        "--notation-trust-policy", NotationVectors.policy("trustpolicy").toString(), "--notation-trust-store", storeB.toString());
    assertThat(overridden.exitCode()).as("the options override the file's trust.notation").isEqualTo(3);
  }

  private static String outcome(CommandResult r, String ref) {
    if (r.out().isBlank()) {
      return "exit " + r.exitCode() + ": " + r.err();
    }
    JsonNode report = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "report");
    for (JsonNode i : report.path("images")) {
      if (!i.path("reference").asText().equals(ref) || !i.path("policy").asText().startsWith("notation trust policy")) {
        continue;
      }
      JsonNode sigs = i.path("notation");
      JsonNode last = sigs.isEmpty() ? null : sigs.get(sigs.size() - 1);
      if (i.path("passed").asBoolean()) {
        List<String> logged = new ArrayList<>();
        if (last != null) {
          for (JsonNode c : last.path("checks")) {
            if (c.path("action").asText().equals("LOG") && !c.path("passed").asBoolean(true)) {
              logged.add(label(c.path("check").asText()));
            }
          }
        }
        return logged.isEmpty() ? "pass" : "pass logged:" + String.join(",", logged);
      }
      if (last == null) {
        return i.path("rules").get(0).path("why").asText().startsWith("no Notation signature found") ? "fail:no signature"
            : "fail: " + i.path("rules").get(0).path("why").asText();
      }
      return "fail:" + label(last.path("failure").asText());
    }
    return "no result for " + ref + " (exit " + r.exitCode() + ": " + r.err() + ")";
  }

  private static String label(String check) {
    return Check.valueOf(check).label();
  }
}
