package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Notation trust policy documents: what is accepted, how a statement is chosen, and what is refused and why. */
class TrustPolicyDocumentTest {
  static String statement(String body) {
    return "{\"version\":\"1.0\",\"trustPolicies\":[" + body + "]}";
  }

  static String st(String name, String scopes, String verification, String rest) {
    return "{\"name\":\"" + name + "\",\"registryScopes\":" + scopes + ",\"signatureVerification\":" + verification + rest + "}";
  }

  static final String STORES = ",\"trustStores\":[\"ca:acme\"],\"trustedIdentities\":[\"*\"]";

  static TrustPolicyDocument parse(String json) {
    return TrustPolicyDocument.parse(json.getBytes(StandardCharsets.UTF_8), "test.json");
  }

  static void refused(String json, String reason) {
    assertThatThrownBy(() -> parse(json)).isInstanceOf(InvalidInputException.class).hasMessageContaining(reason)
        .hasMessageStartingWith("Notation trust policy test.json: ");
  }

  @Test
  void exactScopeWinsOverGlobalAndUncoveredRepositoriesGetNone() {
    TrustPolicyDocument d = parse(statement(st("app", "[\"registry.example/team/app\"]", "{\"level\":\"strict\"}", STORES)
        + "," + st("legacy", "[\"registry.example/team/old\"]", "{\"level\":\"skip\"}", "")));
    assertThat(d.statementFor("registry.example/team/app").orElseThrow().name()).isEqualTo("app");
    assertThat(d.statementFor("registry.example/team/old").orElseThrow().level().isSkip()).isTrue();
    assertThat(d.statementFor("registry.example/team/other")).isEmpty();
    TrustPolicyDocument g = parse(statement(st("app", "[\"registry.example/team/app\"]", "{\"level\":\"strict\"}", STORES)
        + "," + st("all", "[\"*\"]", "{\"level\":\"audit\"}", STORES)));
    assertThat(g.statementFor("registry.example/team/other").orElseThrow().name()).isEqualTo("all");
  }

  @Test
  void levelsAndOverridesGiveTheSpecsActions() {
    TrustPolicyStatement s = parse(statement(st("a", "[\"*\"]",
        "{\"level\":\"permissive\",\"override\":{\"authenticity\":\"log\",\"revocation\":\"skip\"}}", STORES)))
        .statements().get(0);
    assertThat(s.level().action(Check.INTEGRITY)).isEqualTo(Action.ENFORCE);
    assertThat(s.level().action(Check.AUTHENTICITY)).isEqualTo(Action.LOG);
    assertThat(s.level().action(Check.TRUSTED_IDENTITY)).isEqualTo(Action.LOG);
    assertThat(s.level().action(Check.EXPIRY)).isEqualTo(Action.LOG);
    assertThat(s.level().action(Check.REVOCATION)).isEqualTo(Action.SKIP);
    assertThat(VerificationLevel.of("audit", null).action(Check.AUTHENTICITY)).isEqualTo(Action.LOG);
    assertThat(VerificationLevel.of("strict", null).action(Check.AUTHENTIC_TIMESTAMP)).isEqualTo(Action.ENFORCE);
  }

  @Test
  void malformedDocumentsAreRefusedAsNotationRefusesThem() {
    refused("{\"version\":\"2.0\",\"trustPolicies\":[]}", "unsupported version");
    refused("{\"version\":\"1.0\",\"trustPolicies\":[]}", "zero trust policy statements");
    refused("{\"version\":\"1.0\",\"trustPolicies\":[], \"extra\":1}", "unknown field \"extra\"");
    refused("{\"version\":\"1.0\",\"version\":\"1.0\",\"trustPolicies\":[]}", "not valid JSON");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}", STORES) + "," + st("a", "[\"r.example/x\"]",
        "{\"level\":\"strict\"}", STORES)), "use the name \"a\"");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}", STORES) + "," + st("b", "[\"*\"]",
        "{\"level\":\"strict\"}", STORES)), "wildcard scope");
    refused(statement(st("a", "[\"*\", \"r.example/x\"]", "{\"level\":\"strict\"}", STORES)), "cannot be used with other scope");
    refused(statement(st("a", "[]", "{\"level\":\"strict\"}", STORES)), "zero registry scopes");
    refused(statement(st("a", "[\"r.example/x:1.0\"]", "{\"level\":\"strict\"}", STORES)), "not a fully qualified repository");
    refused(statement(st("a", "[\"r.example/x\"]", "{\"level\":\"strict\"}", STORES) + "," + st("b", "[\"r.example/x\"]",
        "{\"level\":\"strict\"}", STORES)), "in more than one statement");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"lenient\"}", STORES)), "invalid signatureVerification level");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\",\"override\":{\"integrity\":\"log\"}}", STORES)),
        "integrity validation cannot be overridden");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\",\"override\":{\"expiry\":\"skip\"}}", STORES)),
        "invalid action \"skip\" for expiry");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"skip\",\"override\":{\"expiry\":\"log\"}}", "")), "cannot be overridden");
    refused(statement(st("a", "[\"r.example/x\"]", "{\"level\":\"skip\"}", STORES)), "skip signature verification but has trust stores");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}", "")), "missing trust stores or trusted identities");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\",\"verifyTimestamp\":\"never\"}", STORES)), "invalid verifyTimestamp");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}", ",\"trustStores\":[\"x509:acme\"],\"trustedIdentities\":[\"*\"]")),
        "unsupported trust store type \"x509\"");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}", ",\"trustStores\":[\"ca:a/b\"],\"trustedIdentities\":[\"*\"]")),
        "unsupported trust store name");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}",
        ",\"trustStores\":[\"ca:acme\"],\"trustedIdentities\":[\"x509.subject: CN=x, O=acme\"]")), "has no C attribute");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}",
        ",\"trustStores\":[\"ca:acme\"],\"trustedIdentities\":[\"x509.subject: C=US, ST=WA, O=acme\","
            + "\"x509.subject: C=US, ST=WA, O=acme, OU=b\"]")), "overlap");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}",
        ",\"trustStores\":[\"ca:acme\"],\"trustedIdentities\":[\"*\",\"x509.subject: C=US, ST=WA, O=acme\"]")),
        "wildcard trusted identity");
    refused(statement(st("a", "[\"*\"]", "{\"level\":\"strict\"}",
        ",\"trustStores\":[\"ca:acme\"],\"trustedIdentities\":[\"x509.issuer: C=US, ST=WA, O=acme\"]")), "unsupported prefix");
  }

  @Test
  void distinguishedNamesUnescape() {
    DistinguishedName dn = DistinguishedName.parse(" C=US, ST=WA, O=Acme\\, Inc., CN=\\ x ");
    assertThat(dn.attributes()).containsEntry("O", "Acme, Inc.").containsEntry("CN", " x").containsEntry("C", "US");
  }
}
