package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit --suggest-policy}: a policy file verify accepts, requiring exactly the signers seen. */
class SuggestPolicyTest {
  @TempDir Path tmp;

  @Test
  void theSuggestedPolicyLoadsAndVerifiesTheImageWhoseKeyWasGiven() throws Exception {
    SigningKey imageKey = SigningKey.generate();
    Path imagePub = tmp.resolve("image.pub");
    Files.writeString(imagePub, imageKey.publicKeyPem());
    AuditFixtures.Built b = AuditFixtures.bundle(tmp.resolve("b"), "suggest", 0, null, imageKey);

    CommandResult r = CommandResult.run("audit", b.bundle().toString(), "--suggest-policy", "--key", imagePub.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    String yaml = r.out();
    assertThat(yaml).contains("apiVersion: airlock.dev/v1",
        "  - match: \"" + AuditFixtures.APP + "\"\n    require: all\n    rules:\n      - signedBy: [\""
            + imagePub.toAbsolutePath() + "\"]\n      - sbom: true\n",
        "  - match: \"" + AuditFixtures.API + "\"",
        "      - keyless: {identity: \"appu@google.com\", issuer: \"https://accounts.google.com\"}",
        "      - attestation:\n          predicateType: \"https://cyclonedx.org/bom\"\n"
            + "          keyless: {identity: \"appu@google.com\", issuer: \"https://accounts.google.com\"}\n",
        "predicateType: \"https://slsa.dev/provenance/v1\"",
        "  - match: \"" + AuditFixtures.NOTARY + "\"\n    require: all\n    rules:\n      - notation: {trustStore:"
            + " \"notation/truststore\", identities: [\"x509.subject: CN=e2e, O=Notary, L=Seattle, ST=WA, C=US\"]}"
            + "   # a trust store holding the signer's certificate (sha256 e38aea13",
        "# no rule for " + AuditFixtures.FILES + " (it carries no signature, attestation or SBOM)",
        "# keyless rules need a Sigstore trust root");
    Path policy = tmp.resolve("suggested.yaml");
    Files.writeString(policy, yaml);
    Policy p = Policy.load(policy);
    assertThat(p.imagesOrEmpty()).extracting(Policy.ImagePolicy::match)
        .containsExactly(AuditFixtures.NOTARY, AuditFixtures.API, AuditFixtures.APP, AuditFixtures.WEB);

    // verify with it: the app's signature (a real one, by the key given) and SBOM pass; the fixture's
    // keyless signatures are fakes, and there is no trust root, so those images fail as they should
    CommandResult v = CommandResult.run("verify", b.bundle().toString(), "--allow-unsigned", "--policy", policy.toString(),
        "-o", "json");
    JsonNode report = Json.tree(v.out().getBytes(StandardCharsets.UTF_8), "verify");
    JsonNode app = null;
    for (JsonNode i : report.path("images")) {
      if (i.path("reference").asText().equals(AuditFixtures.APP)) {
        app = i;
      }
    }
    assertThat(app).isNotNull();
    assertThat(app.path("passed").asBoolean()).as(app.toString()).isTrue();
    assertThat(v.exitCode()).isEqualTo(3);
  }

  @Test
  void withoutTheKeyFileTheKeyIdIsAPlaceholderToFillIn() throws Exception {
    AuditFixtures.Built b = AuditFixtures.bundle(tmp.resolve("b"), "suggest", 0, null, null);
    CommandResult r = CommandResult.run("audit", b.bundle().toString(), "--suggest-policy");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("      - signedBy: [\"key-" + b.imageKeyId().substring(0, 12) + ".pub\"]   # the public key"
        + " whose key id (sha256 of its PKIX DER) is " + b.imageKeyId());
  }

  @Test
  void aVersion1CatalogSaysItRecordsNoSigners() {
    CommandResult r = CommandResult.run("audit", "src/test/resources/fixtures/bundle-v1/v1-full.tar", "--suggest-policy");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("does not record signer identities", "  - match: \"example.com/samples/tools:1.0\"",
        "      - sbom: true");
  }
}
