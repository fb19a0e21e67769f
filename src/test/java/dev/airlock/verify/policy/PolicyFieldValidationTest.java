package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.airlock.cli.ExitCodes;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.TestBundle;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every policy field is checked when the policy is read, not only when a keyless rule needs it. */
class PolicyFieldValidationTest {
  private static Path policy(Path dir, String trust) throws Exception {
    Files.writeString(dir.resolve("cosign.pub"), PublicKeys.toPem(SigningKey.generate().publicKey()));
    Path p = dir.resolve("policy.yaml");
    Files.writeString(p, "apiVersion: airlock.dev/v1\n" + trust
        + "images:\n- match: \"**\"\n  rules:\n  - signedBy: [cosign.pub]\n");
    return p;
  }

  @Test
  void anInvalidMaxAgeIsRefusedWithOnlyKeyedRules(@TempDir Path tmp) throws Exception {
    Path p = policy(tmp, "trust:\n  maxAge: thirty days\n");
    assertThatThrownBy(() -> Policy.load(p)).isInstanceOf(InvalidInputException.class)
        .hasMessage("policy " + p + ": trust.maxAge 'thirty days' is not an ISO-8601 duration (e.g. P30D)");
  }

  @Test
  void aNegativeOrZeroMaxAgeIsRefused(@TempDir Path tmp) throws Exception {
    Path p = policy(tmp, "trust:\n  maxAge: P-3D\n");
    assertThatThrownBy(() -> Policy.load(p)).hasMessageContaining("trust.maxAge 'P-3D' must be a positive duration");
    Path z = policy(tmp, "trust:\n  maxAge: PT0S\n");
    assertThatThrownBy(() -> Policy.load(z)).hasMessageContaining("trust.maxAge 'PT0S' must be a positive duration");
  }

  @Test
  void aBadTrustedRootPinIsRefusedWithOnlyKeyedRules(@TempDir Path tmp) throws Exception {
    Path p = policy(tmp, "trust:\n  trustedRootSha256: abc123\n");
    assertThatThrownBy(() -> Policy.load(p)).hasMessageContaining("trust.trustedRootSha256 'abc123' is not a sha256 digest");
  }

  @Test
  void validTrustFieldsStillRead(@TempDir Path tmp) throws Exception {
    Path p = policy(tmp, "trust:\n  maxAge: P30D\n  trustedRootSha256: " + "ab".repeat(32) + "\n");
    assertThat(Policy.load(p).trust().maxAgeDuration()).hasDays(30);
  }

  /** Issue 22: a second YAML document was silently ignored (its rules never applied); refused as the spec reader does. */
  @Test
  void aPolicyOfSeveralDocumentsIsRefusedNamingTheLine(@TempDir Path tmp) throws Exception {
    Path p = policy(tmp, "");
    String one = Files.readString(p); // 6 lines
    Files.writeString(p, one + "---\n" + one.replace("\"**\"", "\"docker.io/**\""));
    assertThatThrownBy(() -> Policy.load(p)).isInstanceOf(InvalidInputException.class)
        .hasMessage(p + ":7: a policy is one YAML document; this file holds more (remove the '---' and what follows)");

    Path bundle = TestBundle.build(Files.createDirectories(tmp.resolve("b")), null, null, Instant.parse("2026-08-22T00:00:00Z"));
    CommandResult r = CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy", p.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(r.err().strip()).isEqualTo("airlock: " + p + ":7: a policy is one YAML document; this file holds more"
        + " (remove the '---' and what follows)");

    // one document, with or without a leading '---' (or a trailing comment), still reads
    Files.writeString(p, "---\n" + one + "# end\n");
    assertThat(Policy.load(p).images()).hasSize(1);
    Files.writeString(p, one);
    assertThat(Policy.load(p).images()).hasSize(1);
  }
}
