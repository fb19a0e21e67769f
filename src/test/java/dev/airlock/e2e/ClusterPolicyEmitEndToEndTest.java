package dev.airlock.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Kyverno ClusterPolicy at the gate and in the cluster, against a real docker-registry: a bundle whose
 * image is signed by the release key is imported with the policy and {@code --emit-config}; the emitted
 * policy names the internal references only. Read back as a gate policy (airlock mirror --dry-run over the
 * internal registry: the policy is evaluated on what the registry serves, under its internal names) it
 * passes the signed image and fails an unsigned one, as the original did at the import gate; the original
 * itself selects nothing under the internal names. The policy follows Kyverno's "Verify Images Rules" sigstore
 * example (kyverno.io/docs/writing-policies/verify-images/sigstore/, check-image with publicKeys).
 */
class ClusterPolicyEmitEndToEndTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void emittedKyvernoPolicyNamesInternalReferencesAndGivesTheGatesVerdicts() throws Exception {
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    RawManifest app = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("app", "signed app"));
    TestImages.tag(layout, app, "app-v1");
    RawManifest tool = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("tool", "unsigned tool"));
    TestImages.tag(layout, tool, "tool-v1");
    SigningKey key = SigningKey.generate();
    TestImages.cosignSignature(layout, app.digest().tagForm() + ".sig", "registry.example/team/app", app.digest(), key);
    Path good = bundle("good", "app-v1", "registry.example/team/app:v1");
    Path bad = bundle("bad", "tool-v1", "registry.example/team/tool:v1");

    Path policy = tmp.resolve("kyverno.yaml");
    Files.writeString(policy, """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata:
          name: check-image
        spec:
          validationFailureAction: Enforce
          background: false
          webhookTimeoutSeconds: 30
          failurePolicy: Fail
          rules:
            - name: check-image
              match:
                any:
                - resources:
                    kinds:
                      - Pod
              verifyImages:
              - imageReferences:
                - "registry.example/team/*"
                attestors:
                - count: 1
                  entries:
                  - keys:
                      publicKeys: |-
        """ + "                " + key.publicKeyPem().strip().replace("\n", "\n                ") + "\n");
    String to = registry.hostPort() + "/mirror";
    String history = tmp.resolve("history.db").toString();

    // the gate: the unsigned image is refused, the signed one imported, with the policy handed over
    CommandResult refused = CommandResult.run("import", bad.toString(), "--to", to, "--allow-unsigned",
        "--policy", policy.toString(), "--catalog", history);
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("nothing was imported").contains("registry.example/team/tool:v1");
    Path config = tmp.resolve("cluster");
    CommandResult dry = CommandResult.run("import", good.toString(), "--to", to, "--allow-unsigned", "--dry-run",
        "--policy", policy.toString(), "--emit-config", config.toString(), "--catalog", history);
    assertThat(dry.exitCode()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out()).contains("config: would write " + config.resolve("cluster-policies/kyverno.yaml")
        + " (checked: the gate's verdicts under the internal names, the CRD schemas)");
    assertThat(config).doesNotExist();
    CommandResult imported = CommandResult.run("import", good.toString(), "--to", to, "--allow-unsigned",
        "--policy", policy.toString(), "--emit-config", config.toString(), "--catalog", history);
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    Path emitted = config.resolve("cluster-policies/kyverno.yaml");
    assertThat(imported.out()).contains("config: wrote " + emitted)
        .contains("config: ClusterPolicy check-image: 1 key entries set rekor.ignoreTlog and ctlog.ignoreSCT");
    String yaml = Files.readString(emitted);
    assertThat(yaml).contains("- \"" + to + "/team/*\"").doesNotContain("registry.example")
        .contains("ignoreTlog: true").contains(key.publicKeyPem().strip().split("\n")[1]);
    assertThat(config.resolve("registries.conf")).exists();

    // the unsigned image reaches the internal registry another way (no policy), for the cluster's check below
    CommandResult unchecked = CommandResult.run("import", bad.toString(), "--to", to, "--allow-unsigned", "--catalog", history);
    assertThat(unchecked.exitCode()).as(unchecked.out() + unchecked.err()).isZero();

    // the emitted policy, read as a gate policy over the internal names: the gate's verdicts
    CommandResult pass = check(to + "/team/app:v1", emitted);
    assertThat(pass.exitCode()).as(pass.out() + pass.err()).isZero();
    assertThat(pass.out()).contains("policy on the sources: 1 images passed");
    CommandResult fail = check(to + "/team/tool:v1", emitted);
    assertThat(fail.exitCode()).as(fail.out() + fail.err()).isEqualTo(3);
    assertThat(fail.err()).contains("failed the policy, nothing was pushed").contains(to + "/team/tool:v1");
    // the original names the source registry: under the internal names it selects nothing
    CommandResult original = check(to + "/team/app:v1", policy);
    assertThat(original.exitCode()).as(original.out() + original.err()).isEqualTo(3);
    assertThat(original.err()).contains("selects no image");
  }

  private Path bundle(String name, String tag, String as) throws Exception {
    Path spec = tmp.resolve(name + ".yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: %s}
        spec:
          images:
            - layout: %s:%s
              name: %s
        """.formatted(name, tmp.resolve("layout"), tag, as));
    Path out = tmp.resolve(name + ".tar");
    CommandResult made = CommandResult.run("bundle", spec.toString(), "-o", out.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();
    return out;
  }

  /** The policy evaluated on what the internal registry serves for {@code ref}: mirror --dry-run, nothing pushed. */
  private CommandResult check(String ref, Path policy) throws Exception {
    Path spec = tmp.resolve("check-" + System.nanoTime() + ".yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: cluster-check}
        spec:
          referrers: {include: [signatures]}
          images:
            - ref: %s
        """.formatted(ref));
    return CommandResult.run("mirror", spec.toString(), "--to", registry.hostPort() + "/check", "--dry-run",
        "--policy", policy.toString(), "--catalog", tmp.resolve("check.db").toString());
  }
}
