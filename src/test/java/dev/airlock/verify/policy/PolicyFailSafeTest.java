package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.verify.TestBundle;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy never turns enforcement off unseen: a pattern that selects nothing fails verification (unless
 * the user says otherwise), a misspelt field is named with its line, a missing key file or a wrong key
 * password is bad input (exit 1), not a failed rule.
 */
class PolicyFailSafeTest {
  static final Instant CREATED = Instant.parse("2026-08-22T00:00:00Z");
  @TempDir static Path tmp;
  static Path bundle;
  static String bundlePub;

  @BeforeAll
  static void setUp() throws Exception {
    SigningKey bundleKey = SigningKey.generate();
    SigningKey imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    bundlePub = tmp.resolve("bundle.pub").toString();
    bundle = TestBundle.build(tmp, bundleKey, imageKey, CREATED); // example.test/team/app, signed by imageKey
  }

  static Path policy(String name, String images) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, "apiVersion: airlock.dev/v1\nimages:\n" + images);
    return p;
  }

  static CommandResult verify(Path policy, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("verify", bundle.toString(), "--key", bundlePub, "--policy",
        policy.toString()));
    args.addAll(List.of(extra));
    return CommandResult.run(args.toArray(String[]::new));
  }

  @Test
  void aPatternThatSelectsNoImageFailsVerificationUnlessAllowed() throws Exception {
    Path p = policy("typo.yaml", "- match: 'example.test/team/app:*'\n  rules:\n  - signedBy: [image.pub]\n"
        + "- match: 'example.tset/**'\n  rules:\n  - signedBy: [image.pub]\n");
    CommandResult r = verify(p);
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.out()).contains("images[1] match 'example.tset/**' selects no image of the bundle (it holds "
        + "example.test/team/app:1.0)").contains("NOT verified.");
    assertThat(r.err()).contains("selects no image");

    CommandResult allowed = verify(p, "--allow-unmatched-rules");
    assertThat(allowed.exitCode()).as(allowed.out() + allowed.err()).isZero();
    assertThat(allowed.out()).contains("allowed by --allow-unmatched-rules").contains("Verified.");

    // an entry every image of which an earlier entry takes is as good as unmatched
    Path shadowed = policy("shadowed.yaml", "- match: 'example.test/**'\n  rules:\n  - signedBy: [image.pub]\n"
        + "- match: 'example.test/team/*'\n  rules:\n  - sbom: true\n");
    assertThat(verify(shadowed).out()).contains("images[1] match 'example.test/team/*' selects no image of the bundle"
        + " (an earlier entry takes the images it matches: the first match wins)");
  }

  @Test
  void anUnknownFieldIsNamedWithItsLineAndTheFieldsExpected() throws Exception {
    Path p = policy("unknown.yaml", "- match: 'example.test/**'\n  rules:\n  - signedby: [image.pub]\n");
    CommandResult r = verify(p);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("airlock: " + p + ":5: unknown field 'signedby' in images[0].rules[0] (expected one"
        + " of: attestation, keyless, name, notation, sbom, signedBy)\n");
    Path top = tmp.resolve("top.yaml");
    Files.writeString(top, "apiVersion: airlock.dev/v1\nimagez: []\n");
    assertThat(verify(top).err()).contains(top + ":2: unknown field 'imagez' in the top level (expected one of:"
        + " apiVersion, images, kind, matching, trust)");
  }

  @Test
  void aMissingKeyFileIsAUsageErrorNotAFailedRule() throws Exception {
    Path p = policy("nokey.yaml", "- match: 'example.test/**'\n  rules:\n  - signedBy: [missing.pub]\n");
    CommandResult r = verify(p);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("key file " + tmp.resolve("missing.pub") + " (rule 'signed by missing.pub') does not exist")
        .hasLineCount(1);
    CommandResult imp = CommandResult.run("import", bundle.toString(), "--to", "oci:" + tmp.resolve("out"), "--key",
        bundlePub, "--policy", p.toString(), "--catalog", tmp.resolve("h.db").toString());
    assertThat(imp.exitCode()).isEqualTo(1);
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void aWrongKeyPasswordIsBadInputExit1() throws Exception {
    Path prefix = tmp.resolve("signer");
    ProcessBuilder gen = new ProcessBuilder(ProcessRunner.airlockJvm("256m", "key", "generate", "--output-key-prefix",
        prefix.toString()));
    gen.environment().put("AIRLOCK_PASSWORD", "right");
    ProcessRunner.run(gen, 60).assertOk();
    Files.writeString(tmp.resolve("spec.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: x}\n"
        + "spec:\n  images:\n    - layout: nowhere:x\n      name: example.test/x:1\n");
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("256m", "bundle", tmp.resolve("spec.yaml").toString(),
        "-o", tmp.resolve("x.tar").toString(), "--key", prefix + ".key"));
    pb.environment().put("AIRLOCK_PASSWORD", "wrong");
    ProcessRunner.Result r = ProcessRunner.run(pb, 60);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("wrong password").hasLineCount(1);
    assertThat(tmp.resolve("x.tar")).doesNotExist();
  }
}
