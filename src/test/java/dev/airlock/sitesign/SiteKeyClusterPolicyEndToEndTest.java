package dev.airlock.sitesign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The emitted cluster policy can require just the site key, against a real docker-registry 2.8.2: {@code import
 * --sign-with site.key --emit-config DIR} writes {@code DIR/cluster-policies/airlock-site-key.yaml} (Kyverno
 * ClusterPolicy, policy-controller ClusterImagePolicy, Flux OCIRepository + Secret) naming only the internal
 * references. Read back as a gate policy ({@code airlock mirror --dry-run} over the internal registry, by tag and by
 * digest) it passes the site-signed image and fails an image the import of another bundle left unsigned in the same
 * repository.
 */
class SiteKeyClusterPolicyEndToEndTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void theSiteKeyPolicyPassesWhatTheSiteSignedAndFailsTheRest() throws Exception {
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    RawManifest app = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("app", "admitted"));
    TestImages.tag(layout, app, "app-v1");
    RawManifest later = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("app", "not signed"));
    TestImages.tag(layout, later, "app-v2");
    Path signed = bundle("signed", "app-v1", "registry.example/team/app:v1");
    Path other = bundle("other", "app-v2", "registry.example/team/app:v2");
    SigningKey siteKey = SigningKey.generate();
    Path keyFile = tmp.resolve("site.key");
    Files.writeString(keyFile, siteKey.encryptedPem("pw".toCharArray()));
    String to = registry.hostPort() + "/mirror";
    Path config = tmp.resolve("cluster");

    CommandResult imported = importWith(signed, to, "--sign-with", keyFile.toString(), "--sign-legacy-tag",
        "--emit-config", config.toString());
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    Path emitted = config.resolve("cluster-policies/airlock-site-key.yaml");
    assertThat(imported.out()).contains("config: wrote " + emitted + " (Kyverno ClusterPolicy, policy-controller"
        + " ClusterImagePolicy, 1 Flux OCIRepository with Secret flux-system/airlock-site-key): the site key")
        .doesNotContain("--sign-legacy-tag for those verifiers");
    List<JsonNode> docs = ClusterPolicyFiles.documents(emitted, Files.readAllBytes(emitted));
    assertThat(docs.stream().map(d -> d.path("kind").asText())).containsExactly("ClusterPolicy", "ClusterImagePolicy",
        "Secret", "OCIRepository");
    String yaml = Files.readString(emitted);
    assertThat(yaml).doesNotContain("registry.example").contains("- \"" + to + "/team/app*\"").contains("glob: \"" + to + "/team/app\"")
        .contains("url: \"oci://" + to + "/team/app\"").contains("insecure: true")
        .contains(siteKey.publicKeyPem().strip().split("\n")[1]);

    // another bundle puts an image into the same repository without the site's signature
    CommandResult unsignedImport = importWith(other, to);
    assertThat(unsignedImport.exitCode()).as(unsignedImport.out() + unsignedImport.err()).isZero();

    String v1 = to + "/team/app:v1";
    String v1ByDigest = to + "/team/app@" + app.digest();
    CommandResult pass = check(emitted, v1, v1ByDigest);
    assertThat(pass.exitCode()).as(pass.out() + pass.err()).isZero();
    assertThat(pass.out()).contains("policy on the sources: 5 images passed"); // by tag: 3 objects apply, by digest: Kyverno and policy-controller
    CommandResult fail = check(emitted, v1, v1ByDigest, to + "/team/app:v2", to + "/team/app@" + later.digest());
    assertThat(fail.exitCode()).as(fail.out() + fail.err()).isEqualTo(3);
    assertThat(fail.err()).contains("failed the policy, nothing was pushed").contains(to + "/team/app:v2")
        .doesNotContain("selects no image");

    // without the legacy tag the policy is still written, and the note says which verifiers need the tag
    Path config2 = tmp.resolve("cluster2");
    CommandResult noLegacy = importWith(signed, registry.hostPort() + "/second", "--sign-with", keyFile.toString(),
        "--emit-config", config2.toString());
    assertThat(noLegacy.exitCode()).as(noLegacy.out() + noLegacy.err()).isZero();
    assertThat(noLegacy.out()).contains("import with --sign-legacy-tag for those verifiers to find the site signature");
    assertThat(config2.resolve("cluster-policies/airlock-site-key.yaml")).exists();
  }

  private CommandResult importWith(Path bundle, String to, String... more) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("env", "AIRLOCK_PASSWORD=pw"));
    List<String> args = new ArrayList<>(List.of("import", bundle.toString(), "--to", to, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString()));
    args.addAll(List.of(more));
    cmd.addAll(ProcessRunner.airlockJvm("256m", args.toArray(String[]::new)));
    var r = ProcessRunner.run(cmd, 180);
    return new CommandResult(r.exitCode(), r.out(), r.err());
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

  /** The policy evaluated on what the internal registry serves for {@code refs}: mirror --dry-run, nothing pushed. */
  private CommandResult check(Path policy, String... refs) throws Exception {
    StringBuilder images = new StringBuilder();
    for (String r : refs) {
      images.append("    - ref: ").append(r).append('\n');
    }
    Path spec = tmp.resolve("check-" + System.nanoTime() + ".yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: cluster-check}
        spec:
          referrers: {include: [signatures]}
          images:
        """ + images);
    return CommandResult.run("mirror", spec.toString(), "--to", registry.hostPort() + "/check", "--dry-run",
        "--policy", policy.toString(), "--catalog", tmp.resolve("check.db").toString());
  }
}
