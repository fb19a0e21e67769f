package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
