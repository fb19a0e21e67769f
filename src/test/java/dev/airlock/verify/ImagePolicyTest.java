package dev.airlock.verify;

import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.sigstore.TestSigstore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image policy rules over a test-built bundle: keyless cosign .sig, keyed and keyless .att, SBOM, notation listed. */
class ImagePolicyTest {
  static final Instant CREATED = Instant.parse("2026-08-22T00:00:00Z");
  static final String SLSA = "https://slsa.dev/provenance/v1";
  static final String ID = "release@acme.example";
  static final String ISSUER = "https://accounts.google.com";
  static SigningKey bundleKey;
  static SigningKey imageKey;
  static TestSigstore sigstore;
  static TestSigstore rogue;
  @TempDir static Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    bundleKey = SigningKey.generate();
    imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    sigstore = new TestSigstore("test-fulcio");
    rogue = new TestSigstore("rogue-fulcio");
    Files.write(tmp.resolve("trusted_root.json"), sigstore.trustedRootJson());
  }

  private static VerificationReport verify(Path bundle, String rules) throws Exception {
    Path p = tmp.resolve("policy-" + System.nanoTime() + ".yaml");
    Files.writeString(p, "apiVersion: airlock.dev/v1\ntrust:\n  trustedRoot: trusted_root.json\n"
        + "images:\n- match: 'example.test/**'\n  rules:\n" + rules);
    return OfflineVerifier.verify(bundle, VerifyOptions.withKeys(List.of(bundleKey.publicKey()))
        .withClock(Clock.fixed(CREATED, ZoneOffset.UTC)).withPolicy(Policy.load(p), tmp));
  }

  private static RuleResult onlyRule(VerificationReport r) {
    assertThat(r.images()).hasSize(1);
    assertThat(r.images().get(0).rules()).hasSize(1);
    return r.images().get(0).rules().get(0);
  }

  /** A .sig layer signed keylessly by a leaf of {@code ca}, logged in the test Rekor. */
  private static TestBundle.Extras keylessSig(TestSigstore ca) {
    return (b, entries) -> {
      byte[] payload = TestImages.simpleSigningPayload("example.test/team/app", b.image.digest());
      Map<String, String> annotations = ca.issue(ID, ISSUER).signCosign(payload, sigstore);
      Descriptor layer = b.put(MediaTypes.COSIGN_SIMPLESIGNING, payload);
      for (var e : annotations.entrySet()) {
        layer = layer.withAnnotation(e.getKey(), e.getValue());
      }
      entries.add(b.cosignTag(".sig", List.of(layer)));
    };
  }

  @Test
  void keylessCosignSignaturePassesAndFails() throws Exception {
    String rule = "  - keyless: {identity: " + ID + ", issuer: '" + ISSUER + "'}\n";
    VerificationReport ok = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null, keylessSig(sigstore)), rule);
    assertThat(ok.firstFailure()).isNull();
    assertThat(onlyRule(ok).why()).contains("cosign keyless signature");
    assertThat(ok.checks()).anyMatch(c -> c.name().equals("trust root") && c.passed());

    Path bundle = TestBundle.build(tmp, bundleKey, null, CREATED, null, keylessSig(sigstore));
    VerificationReport wrongId = verify(bundle, "  - keyless: {identity: other@acme.example, issuer: '" + ISSUER + "'}\n");
    assertThat(wrongId.passed()).isFalse();
    assertThat(onlyRule(wrongId).why()).contains("does not name");

    VerificationReport rogueCa = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null, keylessSig(rogue)), rule);
    assertThat(rogueCa.passed()).isFalse();
    assertThat(onlyRule(rogueCa).why()).contains("does not chain");
  }

  private static TestBundle.Extras attestation(String predicateType, SigningKey key) {
    return (b, entries) -> {
      ObjectNode st = Json.MAPPER.createObjectNode();
      st.put("_type", "https://in-toto.io/Statement/v0.1");
      st.put("predicateType", predicateType);
      st.putArray("subject").addObject().put("name", "example.test/team/app")
          .putObject("digest").put("sha256", b.image.digest().hex());
      st.putObject("predicate").put("builder", "test");
      byte[] payload = Json.write(st);
      Dsse env = new Dsse(MediaTypes.IN_TOTO, payload, List.of(new Dsse.Signature("", key.sign(Dsse.pae(MediaTypes.IN_TOTO, payload)))));
      Descriptor layer = b.put(MediaTypes.DSSE_ENVELOPE, Json.write(env.toJson())).withAnnotation("predicateType", predicateType);
      entries.add(b.cosignTag(".att", List.of(layer)));
    };
  }

  @Test
  void keyedCosignAttestationOfTheRequiredPredicateType() throws Exception {
    String rule = "  - attestation: {predicateType: '" + SLSA + "', signedBy: [image.pub]}\n";
    VerificationReport ok = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null, attestation(SLSA, imageKey)), rule);
    assertThat(ok.firstFailure()).isNull();
    assertThat(onlyRule(ok).why()).contains("cosign attestation");

    VerificationReport otherType = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null,
        attestation("https://example.test/other/v1", imageKey)), rule);
    assertThat(otherType.passed()).isFalse();
    assertThat(onlyRule(otherType).why()).contains("predicate type is https://example.test/other/v1");

    Path unsigned = tmp.resolve("att-without-signer.yaml");
    Files.writeString(unsigned, "apiVersion: airlock.dev/v1\nimages:\n- match: '**'\n  rules:\n  - attestation: {predicateType: x}\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.load(unsigned))
        .isInstanceOf(dev.airlock.InvalidInputException.class).hasMessageContaining("exactly one of signedBy, keyless");

    VerificationReport otherKey = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null,
        attestation(SLSA, SigningKey.generate())), rule);
    assertThat(otherKey.passed()).isFalse();
    assertThat(onlyRule(otherKey).why()).contains("does not verify");
  }

  /** A keyless cosign .att layer: a leaf of {@code ca} signs the DSSE envelope, logged as an intoto entry. */
  private static TestBundle.Extras keylessAttestation(String predicateType, TestSigstore ca, java.security.KeyPair setKey) {
    return (b, entries) -> {
      ObjectNode st = Json.MAPPER.createObjectNode();
      st.put("_type", "https://in-toto.io/Statement/v1");
      st.put("predicateType", predicateType);
      st.putArray("subject").addObject().put("name", "example.test/team/app")
          .putObject("digest").put("sha256", b.image.digest().hex());
      st.putObject("predicate").put("builder", "test");
      TestSigstore.Leaf.Attestation a = ca.issue(ID, ISSUER).attest(MediaTypes.IN_TOTO, Json.write(st), sigstore, setKey);
      Descriptor layer = b.put(MediaTypes.DSSE_ENVELOPE, a.envelope()).withAnnotation("predicateType", predicateType);
      for (var e : a.annotations().entrySet()) {
        layer = layer.withAnnotation(e.getKey(), e.getValue());
      }
      entries.add(b.cosignTag(".att", List.of(layer)));
    };
  }

  @Test
  void keylessCosignAttestationPassesAndFails() throws Exception {
    String rule = "  - attestation: {predicateType: '" + SLSA + "', keyless: {identity: " + ID + ", issuer: '" + ISSUER + "'}}\n";
    Path bundle = TestBundle.build(tmp, bundleKey, null, CREATED, null, keylessAttestation(SLSA, sigstore, sigstore.rekorKey()));
    VerificationReport ok = verify(bundle, rule);
    assertThat(ok.firstFailure()).isNull();
    assertThat(onlyRule(ok).why()).contains("cosign keyless attestation");

    VerificationReport wrongId = verify(bundle, "  - attestation: {predicateType: '" + SLSA
        + "', keyless: {identity: other@acme.example, issuer: '" + ISSUER + "'}}\n");
    assertThat(wrongId.passed()).isFalse();
    assertThat(onlyRule(wrongId).why()).contains("does not name");

    VerificationReport forgedSet = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null,
        keylessAttestation(SLSA, sigstore, rogue.rekorKey())), rule);
    assertThat(forgedSet.passed()).isFalse();
    assertThat(onlyRule(forgedSet).why()).contains("SignedEntryTimestamp does not verify");

    VerificationReport otherType = verify(TestBundle.build(tmp, bundleKey, null, CREATED, null,
        keylessAttestation("https://example.test/other/v1", sigstore, sigstore.rekorKey())), rule);
    assertThat(otherType.passed()).isFalse();
    assertThat(onlyRule(otherType).why()).contains("predicate type is https://example.test/other/v1");
  }

  @Test
  void sbomRuleAndNotationNote() throws Exception {
    TestBundle.Extras sbomAndNotation = (b, entries) -> {
      Descriptor spdx = b.put(MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"app\"}"));
      entries.add(b.referrer(MediaTypes.SPDX_JSON, List.of(spdx)));
      Descriptor jws = b.put("application/jose+json", utf8("not-a-real-notation-signature"));
      entries.add(b.referrer(MediaTypes.NOTATION_SIGNATURE, List.of(jws)));
    };
    Path bundle = TestBundle.build(tmp, bundleKey, null, CREATED, null, sbomAndNotation);
    VerificationReport ok = verify(bundle, "  - sbom: true\n");
    assertThat(ok.firstFailure()).isNull();
    assertThat(onlyRule(ok).why()).contains("SBOM referrer");
    assertThat(ok.images().get(0).notes()).singleElement().asString()
        .contains("notation signature").contains("present, not verified");

    Path policy = tmp.resolve("sbom-policy.yaml");
    Files.writeString(policy, "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/**'\n  rules:\n  - sbom: true\n");
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    CommandResult cli = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("bundle.pub").toString(),
        "--policy", policy.toString());
    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(cli.out()).contains("note").contains("notation signature");

    VerificationReport none = verify(TestBundle.build(tmp, bundleKey, imageKey, CREATED), "  - sbom: true\n");
    assertThat(none.passed()).isFalse();
    assertThat(onlyRule(none).why()).contains("no SBOM");
  }
}
