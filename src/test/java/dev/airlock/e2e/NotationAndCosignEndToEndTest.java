package dev.airlock.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.SharedTestData;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two signature systems in one bundle, as a site mixes them: an image signed by the Notation CLI (the shared
 * e2e-valid-signature layout) and one signed by a cosign key. Notation's own trust policy file and trust store
 * decide the first, airlock's policy file the second. verify and import into a real docker-registry pass;
 * with the wrong Notation trust store (same key, another certificate) import exits 3 and pushes nothing.
 */
class NotationAndCosignEndToEndTest {
  @RegisterExtension static RealRegistry target = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void notationTrustPolicyAndCosignPolicyTogether() throws Exception {
    Path skopeo = Peers.skopeo();
    Path notationLayout = SharedTestData.notation("layouts/e2e-valid-signature");
    LayoutStore cosignLayout = LayoutStore.openOrCreate(tmp.resolve("cosign-layout"));
    RawManifest app = TestImages.image(cosignLayout, Platform.parse("linux/amd64"), TestImages.layer("app", "cosign app"));
    TestImages.tag(cosignLayout, app, "v2");
    SigningKey key = SigningKey.generate();
    Files.writeString(tmp.resolve("cosign.pub"), key.publicKeyPem());
    TestImages.cosignSignature(cosignLayout, app.digest().tagForm() + ".sig", "registry.example/cosign/app", app.digest(), key);

    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: two-systems}
        spec:
          images:
            - layout: %s:v1
              name: registry.example/notation/app:v1
            - layout: %s:v2
              name: registry.example/cosign/app:v2
        """.formatted(notationLayout, tmp.resolve("cosign-layout")));
    Path bundle = tmp.resolve("two.tar");
    CommandResult made = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();

    // Notation: strict for the Notation-signed repository; the cosign one is left to airlock's policy
    Files.writeString(tmp.resolve("trustpolicy.json"), """
        {"version": "1.0", "trustPolicies": [
          {"name": "notation-app", "registryScopes": ["registry.example/notation/app"],
           "signatureVerification": {"level": "strict"}, "trustStores": ["ca:e2e"],
           "trustedIdentities": ["x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=e2e"]},
          {"name": "cosign-app", "registryScopes": ["registry.example/cosign/app"],
           "signatureVerification": {"level": "skip"}}]}
        """);
    Path good = store("good", SharedTestData.notation("certs/e2e.crt"));
    Path wrong = store("wrong", SharedTestData.notation("certs/new_e2e.crt"));
    Files.writeString(tmp.resolve("policy.yaml"), """
        apiVersion: airlock.dev/v1
        images:
          - match: "registry.example/cosign/**"
            rules:
              - signedBy: [cosign.pub]
        """);
    String[] trust = {"--policy", tmp.resolve("policy.yaml").toString(),
        "--notation-trust-policy", tmp.resolve("trustpolicy.json").toString()};

    CommandResult verify = CommandResult.run(concat(List.of("verify", bundle.toString(), "--allow-unsigned",
        "--notation-trust-store", good.toString()), trust));
    assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.out())
        .contains("notation JWS signature sha256:90ceaff260d6 by 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US' (notary.x509) verified")
        .contains("signed by cosign.pub").contains("cosign signature")
        .contains("statement 'cosign-app' is set to skip");

    String before = files(target.storage());
    CommandResult refused = CommandResult.run(concat(List.of("import", bundle.toString(), "--to", target.hostPort() + "/mirror",
        "--allow-unsigned", "--notation-trust-store", wrong.toString(), "--catalog", tmp.resolve("h.db").toString()), trust));
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("nothing was imported").contains("authenticity failed");
    assertThat(files(target.storage())).as("nothing pushed").isEqualTo(before);

    CommandResult imported = CommandResult.run(concat(List.of("import", bundle.toString(), "--to", target.hostPort() + "/mirror",
        "--allow-unsigned", "--notation-trust-store", good.toString(), "--catalog", tmp.resolve("h.db").toString()), trust));
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    String notationImage = "docker://" + target.hostPort() + "/mirror/notation/app";
    assertThat(raw(skopeo, notationImage + ":v1")).contains("application/vnd.notation.config");
    String fallback = raw(skopeo, notationImage + ":sha256-b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9");
    assertThat(fallback).as("the Notation signature went along as a referrer")
        .contains("sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f");
    assertThat(raw(skopeo, "docker://" + target.hostPort() + "/mirror/cosign/app:" + app.digest().tagForm() + ".sig"))
        .contains("application/vnd.dev.cosign.simplesigning.v1+json");
  }

  /**
   * The same Notation files named in airlock's policy file ({@code trust.notation: {trustPolicy, trustStore}}, paths
   * relative to the policy file) gate an import into a real docker-registry: with the certificate's trust store the
   * image and its signature are pushed; with the store holding the same key under another certificate, import exits 3
   * and the registry's storage is unchanged, file for file.
   */
  @Test
  void trustNotationInThePolicyFileGatesImportIntoARegistry() throws Exception {
    Path skopeo = Peers.skopeo();
    Path notationLayout = SharedTestData.notation("layouts/e2e-valid-signature");
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: notation-only}
        spec:
          images:
            - layout: %s:v1
              name: registry.example/gated/app:v1
        """.formatted(notationLayout));
    Path bundle = tmp.resolve("gated.tar");
    CommandResult made = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();
    Path site = tmp.resolve("site");
    Files.createDirectories(site.resolve("notation"));
    Files.writeString(site.resolve("notation/trustpolicy.json"), """
        {"version": "1.0", "trustPolicies": [
          {"name": "gated-app", "registryScopes": ["registry.example/gated/app"],
           "signatureVerification": {"level": "strict"}, "trustStores": ["ca:e2e"],
           "trustedIdentities": ["x509.subject: C=US, ST=WA, L=Seattle, O=Notary, CN=e2e"]}]}
        """);
    Files.move(store("good", SharedTestData.notation("certs/e2e.crt")), site.resolve("notation/good"));
    Files.move(store("wrong", SharedTestData.notation("certs/new_e2e.crt")), site.resolve("notation/wrong"));
    Path policy = site.resolve("policy.yaml");
    String file = """
        apiVersion: airlock.dev/v1
        trust:
          notation: {trustPolicy: notation/trustpolicy.json, trustStore: notation/%s/truststore}
        """;
    String to = target.hostPort() + "/gated";

    Files.writeString(policy, file.formatted("wrong"));
    String before = files(target.storage());
    CommandResult refused = CommandResult.run("import", bundle.toString(), "--to", to, "--allow-unsigned",
        "--policy", policy.toString(), "--catalog", tmp.resolve("g.db").toString());
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("nothing was imported").contains("authenticity failed")
        .contains("statement 'gated-app'");
    assertThat(files(target.storage())).as("nothing pushed").isEqualTo(before);
    ProcessRunner.Result absent = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + to + "/gated/app:v1"), 60);
    assertThat(absent.exitCode()).as("the image is not in the registry").isNotZero();

    Files.writeString(policy, file.formatted("good"));
    CommandResult imported = CommandResult.run("import", bundle.toString(), "--to", to, "--allow-unsigned",
        "--policy", policy.toString(), "--catalog", tmp.resolve("g.db").toString());
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    assertThat(files(target.storage())).as("pushed").isNotEqualTo(before);
    String image = "docker://" + to + "/gated/app";
    assertThat(raw(skopeo, image + ":v1")).contains("application/vnd.notation.config");
    assertThat(raw(skopeo, image + ":sha256-b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"))
        .contains("sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f");
  }

  private Path store(String name, Path cert) throws Exception {
    Path dir = tmp.resolve(name + "/truststore/x509/ca/e2e");
    Files.createDirectories(dir);
    Files.copy(cert, dir.resolve(cert.getFileName()));
    return tmp.resolve(name);
  }

  private static String[] concat(List<String> a, String[] b) {
    return Stream.concat(a.stream(), Stream.of(b)).toArray(String[]::new);
  }

  private static String raw(Path skopeo, String ref) throws Exception {
    return ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false", ref), 60).assertOk().out();
  }

  private static String files(Path root) throws Exception {
    if (!Files.exists(root)) {
      return "empty";
    }
    try (Stream<Path> s = Files.walk(root)) {
      return String.join("\n", s.filter(Files::isRegularFile).map(p -> root.relativize(p) + " " + p.toFile().length())
          .sorted().toList());
    }
  }
}
