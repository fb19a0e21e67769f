package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.airlock.clusterpolicy.CarriedTrustRoot;
import dev.airlock.clusterpolicy.ClusterPolicyEmitter;
import dev.airlock.importer.BundleContent;
import dev.airlock.oci.Digest;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import dev.airlock.verify.sigstore.TrustRoot;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trust material --emit-config hands the cluster comes from the TUF repository the bundle carries, walked
 * as the gate walked it: the real Sigstore public-good snapshot (shared vectors), at the validation time the
 * verification reports (the bundle signature's creation time), gives its trusted_root.json (the sha256
 * targets.json names); a ClusterImagePolicy's keyless authority is handed a TrustRoot with public-good's Fulcio
 * CA, Rekor and CT log keys. At today's date the snapshot has expired, and nothing is made up instead.
 */
class EmittedTrustFromCarriedTufTest {
  static final Instant RECORDED = Instant.parse("2026-08-22T00:00:00Z");
  static final String TRUSTED_ROOT_SHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";
  @TempDir Path tmp;

  @Test
  void trustRootFromTheCarriedPublicGoodSnapshot() throws Exception {
    SigningKey bundleKey = SigningKey.generate();
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    TufRepoArchive.write(SharedTestData.sigstore("tuf-repo"), tar);
    Path bundle = TestBundle.build(tmp, bundleKey, SigningKey.generate(), RECORDED, tar.toByteArray());
    VerificationReport report = OfflineVerifier.verify(bundle, VerifyOptions.withKeys(List.of(bundleKey.publicKey()))
        .withClock(Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC)));
    assertThat(report.passed()).as(report.firstFailure()).isTrue();
    assertThat(report.validationTime()).as("the signed creation time, not the clock").isEqualTo(RECORDED);

    Path policy = tmp.resolve("cip.yaml");
    Files.writeString(policy, """
        apiVersion: policy.sigstore.dev/v1beta1
        kind: ClusterImagePolicy
        metadata:
          name: keyless
        spec:
          images:
          - glob: "example.test/team/**"
          authorities:
          - keyless:
              url: https://fulcio.sigstore.dev
              identities:
              - issuer: https://token.actions.githubusercontent.com
                subjectRegExp: "^https://github.com/acme/"
        """);
    try (BundleContent content = BundleContent.open(bundle)) {
      TrustRoot root = CarriedTrustRoot.of(content.store(), content.rootDigest(), report.validationTime()).get();
      assertThat(root.digest()).isEqualTo(Digest.parse("sha256:" + TRUSTED_ROOT_SHA256));
      assertThat(root.source()).isEqualTo("trusted_root.json from the TUF repository carried in the bundle");

      ClusterPolicyEmitter.Emission e = ClusterPolicyEmitter.prepare(policy,
          List.of(new ClusterPolicyEmitter.Image(TestBundle.IMAGE_REF, "registry.internal:5000/team/app:1.0")),
          Map.of("example.test/team/app", "registry.internal:5000/team/app"),
          CarriedTrustRoot.of(content.store(), content.rootDigest(), report.validationTime()), false, "platform-2026-08");
      List<JsonNode> docs = ClusterPolicyFiles.documents(tmp.resolve("out.yaml"), e.yaml());
      assertThat(docs.get(0).path("spec").path("images").get(0).path("glob").asText()).isEqualTo("registry.internal:5000/team/**");
      assertThat(docs.get(0).path("spec").path("authorities").get(0).path("keyless").path("trustRootRef").asText())
          .isEqualTo("airlock-platform-2026-08");
      JsonNode keys = docs.get(1).path("spec").path("sigstoreKeys");
      assertThat(keys.path("certificateAuthorities").findValuesAsText("commonName")).contains("sigstore");
      assertThat(keys.path("certificateAuthorities").get(0).path("uri").asText()).isEqualTo("https://fulcio.sigstore.dev");
      assertThat(new String(Base64.getDecoder().decode(keys.path("certificateAuthorities").get(0).path("certChain").asText()),
          StandardCharsets.UTF_8)).startsWith("-----BEGIN CERTIFICATE-----\n");
      assertThat(keys.path("tLogs").findValuesAsText("baseURL")).contains("https://rekor.sigstore.dev");
      assertThat(keys.path("ctLogs").size()).isGreaterThanOrEqualTo(1);
      assertThat(e.notes()).anyMatch(n -> n.contains("reference TrustRoot airlock-platform-2026-08"));

      // at today's date the snapshot's timestamp has expired: no trust root, and the emission says why
      assertThatThrownBy(() -> CarriedTrustRoot.of(content.store(), content.rootDigest(),
          Instant.parse("2026-11-23T12:00:00Z")).get()).isInstanceOf(VerificationException.class).hasMessageContaining("expired");
    }
  }
}
