package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.sigstore.TestSigstore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster policies at the gate: Kyverno ClusterPolicy, policy-controller ClusterImagePolicy and Flux
 * OCIRepository files give the same verdict as their airlock-policy equivalent on the same bundles (pass
 * and fail), and a field airlock cannot evaluate is a one-line error naming it. The cluster files follow
 * the projects' published examples: Kyverno's "Verify Images Rules" sigstore page (kyverno.io/docs/
 * writing-policies/verify-images/sigstore/, check-image / attestations with conditions), policy-controller's
 * overview (docs.sigstore.dev/policy-controller/overview/, ClusterImagePolicy with key.data and keyless
 * identities) and Flux's OCIRepository docs (fluxcd.io/flux/components/source/ocirepositories/#verification,
 * cosign with secretRef and matchOIDCIdentity).
 */
class ClusterPolicyVerdictTest {
  static final Instant CREATED = Instant.parse("2026-08-22T00:00:00Z");
  static final String SLSA = "https://slsa.dev/provenance/v0.2";
  static final String ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";
  static final String ISSUER = "https://token.actions.githubusercontent.com";
  static SigningKey bundleKey;
  static SigningKey imageKey;
  static SigningKey otherKey;
  static TestSigstore sigstore;
  static java.security.KeyPair ctKey;
  static Path signedByImageKey;
  static Path signedByOtherKey;
  static Path unsigned;
  static Path keyless;
  static Path keylessOtherId;
  @TempDir static Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    bundleKey = SigningKey.generate();
    imageKey = SigningKey.generate();
    otherKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    Files.writeString(tmp.resolve("other.pub"), otherKey.publicKeyPem());
    sigstore = new TestSigstore("test-fulcio");
    ctKey = TestSigstore.newKey();
    Files.write(tmp.resolve("trusted_root.json"), sigstore.trustedRootJson(ctKey));
    signedByImageKey = TestBundle.build(dir("by-image"), bundleKey, imageKey, CREATED);
    signedByOtherKey = TestBundle.build(dir("by-other"), bundleKey, otherKey, CREATED);
    unsigned = TestBundle.build(dir("unsigned"), bundleKey, null, CREATED);
    keyless = TestBundle.build(dir("keyless"), bundleKey, null, CREATED, null, keylessSig(ID));
    keylessOtherId = TestBundle.build(dir("keyless-other"), bundleKey, null, CREATED, null,
        keylessSig("https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main"));
  }

  private static Path dir(String name) throws Exception {
    return Files.createDirectories(tmp.resolve(name));
  }

  private static TestBundle.Extras keylessSig(String identity) {
    return (b, entries) -> {
      byte[] payload = TestImages.simpleSigningPayload("example.test/team/app", b.image.digest());
      Map<String, String> annotations = sigstore.issue(identity, ISSUER).signCosign(payload, sigstore);
      Descriptor layer = b.put(MediaTypes.COSIGN_SIMPLESIGNING, payload);
      for (var e : annotations.entrySet()) {
        layer = layer.withAnnotation(e.getKey(), e.getValue());
      }
      entries.add(b.cosignTag(".sig", List.of(layer)));
    };
  }

  /** A keyed cosign .att of an SLSA provenance predicate whose builder.id is {@code builder}. */
  private static Path attested(String builder, SigningKey key) throws Exception {
    return TestBundle.build(dir("att-" + System.nanoTime()), bundleKey, null, CREATED, null, (b, entries) -> {
      ObjectNode st = Json.MAPPER.createObjectNode();
      st.put("_type", "https://in-toto.io/Statement/v0.1");
      st.put("predicateType", SLSA);
      st.putArray("subject").addObject().put("name", "example.test/team/app")
          .putObject("digest").put("sha256", b.image.digest().hex());
      st.putObject("predicate").putObject("builder").put("id", builder);
      byte[] payload = Json.write(st);
      Dsse env = new Dsse(MediaTypes.IN_TOTO, payload,
          List.of(new Dsse.Signature("", key.sign(Dsse.pae(MediaTypes.IN_TOTO, payload)))));
      Descriptor layer = b.put(MediaTypes.DSSE_ENVELOPE, Json.write(env.toJson())).withAnnotation("predicateType", SLSA);
      entries.add(b.cosignTag(".att", List.of(layer)));
    });
  }

  /**
   * A keyless Sigstore bundle referrer of the image (artifactType and layer
   * {@code application/vnd.dev.sigstore.bundle+json;version=0.1}): a v0.1 bundle with a message signature over the
   * manifest bytes by a leaf for {@code identity} with an embedded SCT of the test CT log, its hashedrekord entry carrying the inclusion promise of the test
   * Rekor key (no legacy .sig tag).
   */
  private static TestBundle.Extras keylessBundleReferrer(String identity) {
    return (b, entries) -> {
      Base64.Encoder b64 = Base64.getEncoder();
      byte[] manifest = b.blobs.get(b.image.digest());
      TestSigstore.Leaf leaf = sigstore.issueWithSct(identity, ISSUER, ctKey);
      java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
      signer.initSign(leaf.key().getPrivate());
      signer.update(manifest);
      byte[] sig = signer.sign();
      java.io.StringWriter pem = new java.io.StringWriter();
      try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pem)) {
        w.writeObject(leaf.cert());
      }
      ObjectNode body = Json.MAPPER.createObjectNode();
      body.put("apiVersion", "0.0.1");
      body.put("kind", "hashedrekord");
      ObjectNode spec = body.putObject("spec");
      spec.putObject("data").putObject("hash").put("algorithm", "sha256").put("value", b.image.digest().hex());
      ObjectNode sg = spec.putObject("signature");
      sg.put("content", b64.encodeToString(sig));
      sg.putObject("publicKey").put("content", b64.encodeToString(pem.toString().getBytes(StandardCharsets.UTF_8)));
      String bodyB64 = b64.encodeToString(Json.write(body));
      byte[] logId = java.security.MessageDigest.getInstance("SHA-256").digest(sigstore.rekorKey().getPublic().getEncoded());
      long integrated = TestSigstore.INTEGRATED.getEpochSecond();
      byte[] canonical = ("{\"body\":\"" + bodyB64 + "\",\"integratedTime\":" + integrated + ",\"logID\":\""
          + java.util.HexFormat.of().formatHex(logId) + "\",\"logIndex\":4242}").getBytes(StandardCharsets.UTF_8);
      signer.initSign(sigstore.rekorKey().getPrivate());
      signer.update(canonical);
      ObjectNode bundle = Json.MAPPER.createObjectNode();
      bundle.put("mediaType", V01_BUNDLE);
      ObjectNode vm = bundle.putObject("verificationMaterial");
      vm.putObject("x509CertificateChain").putArray("certificates").addObject()
          .put("rawBytes", b64.encodeToString(leaf.cert().getEncoded()));
      ObjectNode entry = vm.putArray("tlogEntries").addObject();
      entry.put("logIndex", "4242");
      entry.putObject("logId").put("keyId", b64.encodeToString(logId));
      entry.putObject("kindVersion").put("kind", "hashedrekord").put("version", "0.0.1");
      entry.put("integratedTime", Long.toString(integrated));
      entry.putObject("inclusionPromise").put("signedEntryTimestamp", b64.encodeToString(signer.sign()));
      entry.put("canonicalizedBody", bodyB64);
      ObjectNode ms = bundle.putObject("messageSignature");
      ms.putObject("messageDigest").put("algorithm", "SHA2_256")
          .put("digest", b64.encodeToString(HexFormatBytes.of(b.image.digest().hex())));
      ms.put("signature", b64.encodeToString(sig));
      entries.add(b.referrer(V01_BUNDLE, List.of(b.put(V01_BUNDLE, Json.write(bundle)))));
    };
  }

  private static final String V01_BUNDLE = "application/vnd.dev.sigstore.bundle+json;version=0.1";

  private static final class HexFormatBytes {
    static byte[] of(String hex) {
      return java.util.HexFormat.of().parseHex(hex);
    }
  }

  /**
   * Kyverno {@code type: SigstoreBundle} reads only Sigstore bundle referrers (pkg/cosign/sigstore.go): the keyless
   * attestor passes an image with a keyless bundle referrer of the identity, and fails an image that has only a
   * legacy keyless .sig of the same identity; the airlock policy with {@code bundleOnly: true} gives the same verdicts,
   * and without it (type Cosign's reading) the .sig passes.
   */
  @Test
  void kyvernoSigstoreBundleKeylessReadsOnlyBundleReferrers() throws Exception {
    Path withReferrer = TestBundle.build(dir("keyless-referrer"), bundleKey, null, CREATED, null, keylessBundleReferrer(ID));
    Path referrerOtherId = TestBundle.build(dir("keyless-referrer-other"), bundleKey, null, CREATED, null,
        keylessBundleReferrer("https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main"));
    String entries = """
                - entries:
                  - keyless:
                      subject: "%s"
                      issuer: "%s"
        """.formatted(ID, ISSUER);
    Path cluster = write("kyverno-sigstore-bundle.yaml",
        kyvernoKeys(entries).replace("      - imageReferences:", "      - type: SigstoreBundle\n        imageReferences:"));
    assertThat(Files.readString(cluster)).contains("type: SigstoreBundle");
    Path airlock = write("airlock-bundle-only.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - keyless: {identity: '" + ID + "', issuer: '" + ISSUER + "', bundleOnly: true}\n");
    sameVerdict(withReferrer, cluster, airlock, true);
    VerificationReport refused = sameVerdict(keyless, cluster, airlock, false);
    assertThat(refused.firstFailure()).contains("Sigstore bundle referrer")
        .contains("bundleOnly: the cosign tag signature is not considered");
    sameVerdict(referrerOtherId, cluster, airlock, false);
    sameVerdict(signedByImageKey, cluster, airlock, false);
    // the same rule read as type Cosign (and airlock's default) accepts both forms
    Path cosign = write("kyverno-cosign-keyless.yaml", kyvernoKeys(entries));
    Path airlockAny = write("airlock-any-form.yaml", Files.readString(airlock).replace(", bundleOnly: true", ""));
    sameVerdict(keyless, cosign, airlockAny, true);
    sameVerdict(withReferrer, cosign, airlockAny, true);
    // through the CLI: exit 3 for the .sig-only image, 0 for the referrer
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    for (var c : List.of(Map.entry(keyless, 3), Map.entry(withReferrer, 0))) {
      CommandResult r = CommandResult.run("verify", c.getKey().toString(), "--key", tmp.resolve("bundle.pub").toString(),
          "--policy", cluster.toString(), "--trusted-root", tmp.resolve("trusted_root.json").toString());
      assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(c.getValue());
    }
  }

  private static Path write(String name, String yaml) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  private static VerificationReport verify(Path bundle, Path policy) throws Exception {
    return OfflineVerifier.verify(bundle, VerifyOptions.withKeys(List.of(bundleKey.publicKey()))
        .withTrustedRoot(tmp.resolve("trusted_root.json"))
        .withClock(Clock.fixed(CREATED, ZoneOffset.UTC)).withPolicy(Policy.load(policy), tmp));
  }

  /** Both policies give {@code expected} on {@code bundle}; returns the cluster policy's report. */
  private static VerificationReport sameVerdict(Path bundle, Path cluster, Path airlock, boolean expected) throws Exception {
    VerificationReport c = verify(bundle, cluster);
    VerificationReport a = verify(bundle, airlock);
    assertThat(a.passed()).as("airlock policy on " + bundle.getParent().getFileName()).isEqualTo(expected);
    assertThat(c.passed()).as("cluster policy on " + bundle.getParent().getFileName() + ": " + c.firstFailure())
        .isEqualTo(expected);
    return c;
  }

  private static String indent(String pem, int spaces) {
    String pad = " ".repeat(spaces);
    return pad + pem.strip().replace("\n", "\n" + pad) + "\n";
  }

  private static String kyvernoKeys(String keysBlock) {
    return """
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
                - "example.test/team/*"
                attestors:
        """ + keysBlock;
  }

  @Test
  void kyvernoPublicKeyGivesTheAirlockVerdict() throws Exception {
    Path cluster = write("kyverno-key.yaml", kyvernoKeys("""
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16) + """
                      rekor:
                        url: https://rekor.sigstore.dev
                        ignoreTlog: true
        """));
    Path airlock = write("airlock-key.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    VerificationReport ok = sameVerdict(signedByImageKey, cluster, airlock, true);
    assertThat(ok.images().get(0).rules().get(0).rule()).contains("kyverno check-image/check-image");
    sameVerdict(signedByOtherKey, cluster, airlock, false);
    sameVerdict(unsigned, cluster, airlock, false);
  }

  @Test
  void kyvernoCountAndSecretReference() throws Exception {
    String secret = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: image-key\n  namespace: kyverno\ndata:\n  cosign.pub: "
        + Base64.getEncoder().encodeToString(otherKey.publicKeyPem().getBytes(StandardCharsets.UTF_8)) + "\n";
    Path cluster = write("kyverno-count.yaml", kyvernoKeys("""
                - count: 1
                  entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16) + """
                  - keys:
                      secret:
                        name: image-key
                        namespace: kyverno
        """) + secret);
    Path airlock = write("airlock-count.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  require: any\n  rules:\n  - signedBy: [image.pub]\n  - signedBy: [other.pub]\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, true);
    sameVerdict(unsigned, cluster, airlock, false);

    Path allOf = write("kyverno-all.yaml", Files.readString(cluster).replace("- count: 1\n", "- entries:\n")
        .replaceFirst("\n {10}entries:\n", "\n"));
    assertThat(Files.readString(allOf)).doesNotContain("count");
    Path airlockAll = write("airlock-all.yaml", Files.readString(airlock).replace("  require: any\n", ""));
    sameVerdict(signedByImageKey, allOf, airlockAll, false);

    Path missing = write("kyverno-no-secret.yaml", Files.readString(cluster).replace(secret, ""));
    assertThatThrownBy(() -> Policy.load(missing)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("references Secret kyverno/image-key, which is not in");
  }

  /** Kyverno's "keys from a ConfigMap" form: a context entry and {{ keys.data.production }} (kyverno.io verify-images sigstore docs). */
  @Test
  void kyvernoPublicKeyFromAConfigMapContext() throws Exception {
    String policy = """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata:
          name: check-image-keys
        spec:
          validationFailureAction: Enforce
          rules:
            - name: check-image-with-configmap
              match:
                any:
                - resources:
                    kinds:
                      - Pod
              context:
              - name: keys
                configMap:
                  name: keys
                  namespace: default
              verifyImages:
              - imageReferences:
                - "example.test/team/*"
                attestors:
                - entries:
                  - keys:
                      publicKeys: "%s"
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: keys
          namespace: default
        data:
          production: |
        """ + indent(imageKey.publicKeyPem(), 4);
    Path cluster = write("kyverno-configmap.yaml", policy.formatted("{{ keys.data.production }}"));
    Path airlock = write("airlock-configmap.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, false);

    Path quoted = write("kyverno-configmap-quoted.yaml", policy.formatted("{{keys.data.\\\"production\\\"}}"));
    assertThat(verify(signedByImageKey, quoted).passed()).isTrue();
    Path noEntry = write("kyverno-configmap-no-entry.yaml", policy.formatted("{{ keys.data.staging }}"));
    assertThatThrownBy(() -> Policy.load(noEntry)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("publicKeys: ConfigMap of context 'keys' has no data.staging (it has [production])");
    Path unknown = write("kyverno-configmap-unknown.yaml", policy.formatted("{{ secrets.data.production }}"));
    assertThatThrownBy(() -> Policy.load(unknown)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("uses context 'secrets', which the rule does not define (it defines keys)");
    Path jmes = write("kyverno-configmap-jmes.yaml", policy.formatted("{{ keys.data.production | base64_decode(@) }}"));
    assertThatThrownBy(() -> Policy.load(jmes)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unsupported variable in 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.publicKeys'");
    Path apiCall = write("kyverno-apicall.yaml", Files.readString(cluster).replace("  configMap:\n          name: keys\n"
        + "          namespace: default\n", "  apiCall:\n          urlPath: /api/v1/namespaces\n"));
    assertThatThrownBy(() -> Policy.load(apiCall)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unsupported field 'spec.rules[0].context[0].apiCall'");
  }

  @Test
  void kyvernoKeylessWithWildcardSubject() throws Exception {
    Path cluster = write("kyverno-keyless.yaml", kyvernoKeys("""
                - entries:
                  - keyless:
                      subject: "https://github.com/acme/*"
                      issuer: "https://token.actions.githubusercontent.com"
                      rekor:
                        url: https://rekor.sigstore.dev
        """));
    Path airlock = write("airlock-keyless.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - keyless: {identityRegexp: 'https://github\\.com/acme/.*', issuer: '" + ISSUER + "'}\n");
    sameVerdict(keyless, cluster, airlock, true);
    sameVerdict(keylessOtherId, cluster, airlock, false);
    sameVerdict(signedByImageKey, cluster, airlock, false);
  }

  @Test
  void kyvernoAttestationConditions() throws Exception {
    Path cluster = write("kyverno-att.yaml", """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata:
          name: check-slsa-attestations
        spec:
          validationFailureAction: Enforce
          rules:
            - name: check-builder-id
              match:
                any:
                - resources:
                    kinds:
                      - Pod
              verifyImages:
              - imageReferences:
                - "example.test/*"
                attestations:
                - type: https://slsa.dev/provenance/v0.2
                  attestors:
                  - entries:
                    - keys:
                        publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 18) + """
                  conditions:
                  - all:
                    - key: "{{ builder.id }}"
                      operator: Equals
                      value: "https://github.com/slsa-framework/slsa-github-generator"
        """);
    Path airlock = write("airlock-att.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/**'\n"
        + "  rules:\n  - attestation:\n      predicateType: " + SLSA + "\n      signedBy: [image.pub]\n"
        + "      conditions:\n      - {path: builder.id, equals: 'https://github.com/slsa-framework/slsa-github-generator'}\n");
    sameVerdict(attested("https://github.com/slsa-framework/slsa-github-generator", imageKey), cluster, airlock, true);
    VerificationReport wrongBuilder = sameVerdict(attested("https://evil.example/builder", imageKey), cluster, airlock, false);
    assertThat(wrongBuilder.images().get(0).rules().get(0).why()).contains("builder.id == https://github.com/slsa-framework");
    sameVerdict(attested("https://github.com/slsa-framework/slsa-github-generator", otherKey), cluster, airlock, false);
  }

  @Test
  void kyvernoAuditIsWarnMode() throws Exception {
    Path cluster = write("kyverno-audit.yaml", kyvernoKeys("""
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16)).replace("Enforce", "Audit"));
    Path airlock = write("airlock-warn.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  mode: warn\n  rules:\n  - signedBy: [image.pub]\n");
    VerificationReport r = sameVerdict(signedByOtherKey, cluster, airlock, true);
    assertThat(r.images().get(0).rules().get(0).passed()).isFalse();
    assertThat(r.images().get(0).notes()).anyMatch(n -> n.contains("mode warn"));
  }

  @Test
  void everyMatchingClusterPolicyApplies() throws Exception {
    String one = Files.readString(write("k1.yaml", kyvernoKeys("""
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16))));
    Path both = write("kyverno-two.yaml", one + "---\n" + one.replace("check-image\nspec", "check-image-2\nspec")
        .replace(indent(imageKey.publicKeyPem(), 16), indent(otherKey.publicKeyPem(), 16)));
    VerificationReport r = verify(signedByImageKey, both);
    assertThat(r.passed()).isFalse();
    assertThat(r.images()).hasSize(2);
  }

  @Test
  void unsupportedKyvernoFieldsAreOneLineErrorsNamingThem() throws Exception {
    String base = kyvernoKeys("""
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16));
    Map<String, String> cases = Map.of(
        base.replace("      - imageReferences:", "      - skipImageReferences: [x]\n        imageReferences:"),
        "unsupported field 'spec.rules[0].verifyImages[0].skipImageReferences'",
        base.replace("          - keys:", "          - certificates: {cert: x}\n            keys:"),
        "spec.rules[0].verifyImages[0].attestors[0].entries[0] needs exactly one of keys, keyless, certificates",
        base.replace("      - imageReferences:", "      - type: Notary\n        imageReferences:"),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys' with type Notary",
        base.replace("      match:", "      preconditions: {}\n      match:"),
        "unsupported field 'spec.rules[0].preconditions'");
    int i = 0;
    for (var c : cases.entrySet()) {
      Path p = write("bad-" + i++ + ".yaml", c.getKey());
      assertThatThrownBy(() -> Policy.load(p)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(c.getValue()).hasMessageNotContaining("\n");
    }
  }

  @Test
  void policyControllerClusterImagePolicy() throws Exception {
    Path cluster = write("cip.yaml", """
        apiVersion: policy.sigstore.dev/v1beta1
        kind: ClusterImagePolicy
        metadata:
          name: image-policy
        spec:
          images:
          - glob: "example.test/team/**"
          authorities:
          - name: release-key
            key:
              hashAlgorithm: sha256
              data: |
        """ + indent(imageKey.publicKeyPem(), 8) + """
          - name: github-actions
            keyless:
              url: https://fulcio.sigstore.dev
              identities:
              - issuer: https://token.actions.githubusercontent.com
                subjectRegExp: "^https://github.com/acme/"
        """);
    Path airlock = write("airlock-cip.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  require: any\n  rules:\n  - signedBy: [image.pub]\n"
        + "  - keyless: {identityRegexp: '^https://github\\.com/acme/.*', issuer: '" + ISSUER + "'}\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(keyless, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, false);
    sameVerdict(keylessOtherId, cluster, airlock, false);

    Path warn = write("cip-warn.yaml", Files.readString(cluster).replace("spec:\n", "spec:\n  mode: warn\n"));
    assertThat(verify(signedByOtherKey, warn).passed()).isTrue();

    Path attest = write("cip-att.yaml", """
        apiVersion: policy.sigstore.dev/v1alpha1
        kind: ClusterImagePolicy
        metadata:
          name: provenance
        spec:
          images:
          - glob: "example.test/team/app"
          authorities:
          - key:
              data: |
        """ + indent(imageKey.publicKeyPem(), 8) + """
            attestations:
            - name: must-have-slsa
              predicateType: slsaprovenance
        """);
    Path airlockAtt = write("airlock-cip-att.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/app:*'\n"
        + "  rules:\n  - attestation: {predicateType: '" + SLSA + "', signedBy: [image.pub]}\n");
    sameVerdict(attested("b", imageKey), attest, airlockAtt, true);
    sameVerdict(attested("b", otherKey), attest, airlockAtt, false);
    sameVerdict(signedByImageKey, attest, airlockAtt, false);

    Path rego = write("cip-rego.yaml", Files.readString(attest).replace("predicateType: slsaprovenance",
        "predicateType: slsaprovenance\n      policy:\n        type: cue\n        data: 'predicateType: \"x\"'"));
    assertThatThrownBy(() -> Policy.load(rego)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unsupported field 'spec.authorities[0].attestations[0].policy'");
  }

  /** PEM of a base64 DER value of a trusted_root.json. */
  private static String pem(String type, String b64) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(Base64.getDecoder().decode(b64)) + "\n-----END " + type + "-----\n";
  }

  /** The Fulcio CA certificate and Rekor key of a test Sigstore, as PEM. */
  private static String[] material(TestSigstore s) throws Exception {
    var root = Json.tree(s.trustedRootJson(), "trusted root");
    return new String[] {
        pem("CERTIFICATE", root.path("certificateAuthorities").get(0).path("certChain").path("certificates").get(0)
            .path("rawBytes").asText()),
        pem("PUBLIC KEY", root.path("tlogs").get(0).path("publicKey").path("rawBytes").asText())};
  }

  @Test
  void kyvernoKeylessRootsAndRekorKeyPinTheTrustRoot() throws Exception {
    String[] own = material(sigstore);
    String[] other = material(new TestSigstore("other-fulcio"));
    String policy = kyvernoKeys("""
                - entries:
                  - keyless:
                      subject: "%s"
                      issuer: "%s"
                      roots: |-
        %s              rekor:
                        url: https://rekor.test.invalid
                        pubkey: |-
        %s""");
    Path pinned = write("kyverno-pinned.yaml", policy.formatted(ID, ISSUER, indent(own[0], 16), indent(own[1], 18)));
    Path airlock = write("airlock-pinned.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - keyless:\n      identity: '" + ID + "'\n      issuer: '" + ISSUER + "'\n      trust:\n"
        + "        fulcioRoots:\n        - |\n" + indent(own[0], 10) + "        rekorKeys:\n        - |\n" + indent(own[1], 10));
    sameVerdict(keyless, pinned, airlock, true);
    sameVerdict(keylessOtherId, pinned, airlock, false);

    Path otherRoots = write("kyverno-other-roots.yaml", policy.formatted(ID, ISSUER, indent(other[0], 16), indent(own[1], 18)));
    Path airlockOther = write("airlock-other-roots.yaml", Files.readString(airlock).replace(indent(own[0], 10), indent(other[0], 10)));
    VerificationReport refused = sameVerdict(keyless, otherRoots, airlockOther, false);
    assertThat(refused.firstFailure()).contains("no Fulcio CA whose chain holds one of the policy's roots");
    Path otherRekor = write("kyverno-other-rekor.yaml", policy.formatted(ID, ISSUER, indent(own[0], 16), indent(other[1], 18)));
    assertThat(verify(keyless, otherRekor).firstFailure()).contains("no Rekor log with one of the policy's Rekor keys");

    Path notPem = write("kyverno-bad-roots.yaml", policy.formatted(ID, ISSUER, "                not a certificate\n",
        indent(own[1], 18)));
    assertThatThrownBy(() -> Policy.load(notPem)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("entries[0].keyless: roots holds an entry with no PEM certificate");
  }

  @Test
  void policyControllerTrustRootRefReadsTheTrustRootsSigstoreKeys() throws Exception {
    String[] own = material(sigstore);
    String[] other = material(new TestSigstore("other-fulcio"));
    Base64.Encoder b64 = Base64.getEncoder();
    String policy = """
        apiVersion: policy.sigstore.dev/v1beta1
        kind: ClusterImagePolicy
        metadata:
          name: keyless-own-sigstore
        spec:
          images:
          - glob: "example.test/team/**"
          authorities:
          - keyless:
              url: https://fulcio.test.invalid
              trustRootRef: site-sigstore
              identities:
              - issuer: %s
                subject: %s
        ---
        apiVersion: policy.sigstore.dev/v1alpha1
        kind: TrustRoot
        metadata:
          name: site-sigstore
        spec:
          sigstoreKeys:
            certificateAuthorities:
            - subject: {organization: airlock-test, commonName: test-fulcio}
              uri: https://fulcio.test.invalid
              certChain: %s
            tLogs:
            - baseURL: https://rekor.test.invalid
              hashAlgorithm: sha-256
              publicKey: %s
        """;
    Path cluster = write("cip-trustroot.yaml", policy.formatted(ISSUER, ID,
        b64.encodeToString(own[0].getBytes(StandardCharsets.UTF_8)), b64.encodeToString(own[1].getBytes(StandardCharsets.UTF_8))));
    Path airlock = write("airlock-cip-trustroot.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - keyless:\n      identity: '" + ID + "'\n      issuer: '" + ISSUER + "'\n      trust:\n"
        + "        fulcioRoots:\n        - |\n" + indent(own[0], 10) + "        rekorKeys:\n        - |\n" + indent(own[1], 10));
    sameVerdict(keyless, cluster, airlock, true);
    sameVerdict(keylessOtherId, cluster, airlock, false);
    Path otherCa = write("cip-trustroot-other.yaml", policy.formatted(ISSUER, ID,
        b64.encodeToString(other[0].getBytes(StandardCharsets.UTF_8)), b64.encodeToString(own[1].getBytes(StandardCharsets.UTF_8))));
    assertThat(verify(keyless, otherCa).passed()).isFalse();

    Path missing = write("cip-no-trustroot.yaml", Files.readString(cluster).substring(0, Files.readString(cluster).indexOf("---")));
    assertThatThrownBy(() -> Policy.load(missing)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("references TrustRoot site-sigstore, which is not in");
    Path remote = write("cip-trustroot-remote.yaml", Files.readString(cluster).replaceFirst("(?s)  sigstoreKeys:.*",
        "  remote:\n    mirror: https://tuf.example\n    root: e30=\n"));
    assertThatThrownBy(() -> Policy.load(remote)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unsupported field 'spec.remote' (airlock reads a TrustRoot's spec.sigstoreKeys)");
  }

  @Test
  void fluxOciRepositoryVerify() throws Exception {
    Path cluster = write("flux.yaml", """
        apiVersion: source.toolkit.fluxcd.io/v1beta2
        kind: OCIRepository
        metadata:
          name: podinfo
          namespace: flux-system
        spec:
          interval: 5m
          url: oci://example.test/team/app
          ref:
            tag: "1.0"
          verify:
            provider: cosign
            secretRef:
              name: cosign-pub
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: cosign-pub
          namespace: flux-system
        stringData:
          cosign.pub: |
        """ + indent(imageKey.publicKeyPem(), 4));
    Path airlock = write("airlock-flux.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/app:1.0'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, false);

    Path keylessFlux = write("flux-keyless.yaml", """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: OCIRepository
        metadata:
          name: podinfo
        spec:
          url: oci://example.test/team/app
          verify:
            provider: cosign
            matchOIDCIdentity:
            - issuer: "^https://token.actions.githubusercontent.com$"
              subject: "^https://github.com/acme/app.*$"
        """);
    Path airlockKeyless = write("airlock-flux-keyless.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/app:*'\n"
        + "  rules:\n  - keyless: {identityRegexp: '^https://github\\.com/acme/app.*$', issuer: '" + ISSUER + "'}\n");
    sameVerdict(keyless, keylessFlux, airlockKeyless, true);
    sameVerdict(keylessOtherId, keylessFlux, airlockKeyless, false);

    Path notation = write("flux-notation.yaml", Files.readString(keylessFlux).replace("provider: cosign", "provider: notation"));
    assertThatThrownBy(() -> Policy.load(notation)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unsupported value 'notation' of 'spec.verify.provider'");
  }

  @Test
  void verifyCommandTakesAClusterPolicy() throws Exception {
    Path cluster = write("cli-kyverno.yaml", kyvernoKeys("""
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16)));
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    CommandResult ok = CommandResult.run("verify", signedByImageKey.toString(), "--key", tmp.resolve("bundle.pub").toString(),
        "--policy", cluster.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    CommandResult bad = CommandResult.run("verify", signedByOtherKey.toString(), "--key", tmp.resolve("bundle.pub").toString(),
        "--policy", cluster.toString());
    assertThat(bad.exitCode()).isEqualTo(3);
    Path broken = write("cli-broken.yaml", Files.readString(cluster).replace("imageReferences", "imageReference"));
    CommandResult err = CommandResult.run("verify", signedByImageKey.toString(), "--key", tmp.resolve("bundle.pub").toString(),
        "--policy", broken.toString());
    assertThat(err.exitCode()).isNotZero().isNotEqualTo(3);
    assertThat(err.err().strip()).doesNotContain("\n").contains("unsupported field 'spec.rules[0].verifyImages[0].imageReference'");
  }

  /**
   * Kyverno ImageValidatingPolicy (policies.kyverno.io, kyverno.io/docs/policy-types/image-validating-policy/ and its
   * verify-image-ivpol sample: matchImageReferences glob, attestors[].cosign.key.data, a verifyImageSignatures
   * validation): the same verdicts as the airlock policy; keyless identities (any), N-of attestors, attestations.
   */
  static String ivp(String attestors, String validation, String extra) {
    return """
        apiVersion: policies.kyverno.io/v1alpha1
        kind: ImageValidatingPolicy
        metadata:
          name: verify-image-ivpol
        spec:
          webhookConfiguration:
            timeoutSeconds: 15
          evaluation:
            background:
              enabled: false
          validationActions: [Deny]
          matchConstraints:
            resourceRules:
            - apiGroups: [""]
              apiVersions: ["v1"]
              operations: ["CREATE"]
              resources: ["pods"]
          matchImageReferences:
          - glob: "example.test/team/*"
          attestors:
        """ + attestors + extra + """
          validations:
          - expression: >-
              %s
            message: failed the image signature verification
        """.formatted(validation);
  }

  static String keyAttestor(String name, SigningKey k) {
    return "  - name: " + name + "\n    cosign:\n      key:\n        data: |\n" + indent(k.publicKeyPem(), 10);
  }

  @Test
  void kyvernoImageValidatingPolicyGivesTheAirlockVerdicts() throws Exception {
    String any = "images.containers.map(image, verifyImageSignatures(image, [attestors.cosign])).all(e ,e > 0)";
    Path cluster = write("ivp-key.yaml", ivp(keyAttestor("cosign", imageKey), any, ""));
    Path airlock = write("airlock-ivp-key.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    VerificationReport ok = sameVerdict(signedByImageKey, cluster, airlock, true);
    assertThat(ok.images().get(0).rules().get(0).rule()).contains("kyverno verify-image-ivpol spec.validations[0]"
        + " attestors.cosign: signature by key");
    sameVerdict(signedByOtherKey, cluster, airlock, false);
    sameVerdict(unsigned, cluster, airlock, false);

    // two attestors: > 0 is any of them, == 2 all of them
    String two = keyAttestor("release", imageKey) + keyAttestor("other", otherKey);
    Path anyOf = write("ivp-any.yaml", ivp(two, "images.containers.map(image, verifyImageSignatures(image,"
        + " [attestors.release, attestors.other])).all(e, e > 0)", ""));
    Path airlockAny = write("airlock-ivp-any.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  require: any\n  rules:\n  - signedBy: [image.pub]\n  - signedBy: [other.pub]\n");
    sameVerdict(signedByOtherKey, anyOf, airlockAny, true);
    sameVerdict(unsigned, anyOf, airlockAny, false);
    Path allOf = write("ivp-all.yaml", Files.readString(anyOf).replace("e > 0", "e == 2"));
    Path airlockAll = write("airlock-ivp-all.yaml", Files.readString(airlockAny).replace("  require: any\n", ""));
    sameVerdict(signedByImageKey, allOf, airlockAll, false);

    // keyless identities: any of them; a strict subject
    String keylessAttestor = """
          - name: keyless
            cosign:
              keyless:
                identities:
                - subject: "%s"
                  issuer: "%s"
                - subjectRegExp: "^https://github.com/other/.*$"
                  issuerRegExp: ".*"
        """.formatted(ID, ISSUER);
    Path kl = write("ivp-keyless.yaml", ivp(keylessAttestor, any.replace("attestors.cosign", "attestors.keyless"), ""));
    Path airlockKl = write("airlock-ivp-keyless.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  require: any\n  rules:\n  - keyless: {identity: '" + ID + "', issuer: '" + ISSUER + "'}\n"
        + "  - keyless: {identityRegexp: '^https://github.com/other/.*$', issuerRegexp: '.*'}\n");
    sameVerdict(keyless, kl, airlockKl, true);
    sameVerdict(keylessOtherId, kl, airlockKl, false);

    // an attestation of a type, signed by the key
    Path att = write("ivp-att.yaml", ivp(keyAttestor("cosign", imageKey), "images.containers.map(image,"
        + " verifyAttestationSignatures(image, attestations.slsa, [attestors.cosign])).all(e, e > 0)",
        "  attestations:\n  - name: slsa\n    intoto:\n      type: " + SLSA + "\n").replace("example.test/team/*", "example.test/*"));
    Path airlockAtt = write("airlock-ivp-att.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/**'\n"
        + "  rules:\n  - attestation: {predicateType: " + SLSA + ", signedBy: [image.pub]}\n");
    sameVerdict(attested("https://github.com/slsa-framework/slsa-github-generator", imageKey), att, airlockAtt, true);
    sameVerdict(attested("https://github.com/slsa-framework/slsa-github-generator", otherKey), att, airlockAtt, false);

    // Audit/Warn only: warn mode
    Path audit = write("ivp-audit.yaml", Files.readString(cluster).replace("validationActions: [Deny]", "validationActions: [Audit, Warn]"));
    assertThat(verify(signedByOtherKey, audit).passed()).isTrue();
  }

  @Test
  void imageValidatingPolicyFieldsTheGateCannotEvaluateAreOneLineErrors() throws Exception {
    String any = "images.containers.map(image, verifyImageSignatures(image, [attestors.cosign])).all(e, e > 0)";
    String base = ivp(keyAttestor("cosign", imageKey), any, "");
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put(base.replace(any, "images.containers.all(i, verifyImageSignatures(i, [attestors.cosign]) > 0 || true)"),
        "unsupported expression of 'spec.validations[0].expression'");
    cases.put(base.replace("- glob: \"example.test/team/*\"", "- expression: \"image.registry == 'ghcr.io'\""),
        "unsupported field 'spec.matchImageReferences[0].expression'");
    cases.put(base.replace(any, any.replace("attestors.cosign", "attestors.nope")),
        "names attestors.nope, which spec.attestors does not define");
    cases.put(base.replace("      key:\n        data: |", "      key:\n        kms: gcpkms://x\n        data: |"),
        "unsupported field 'spec.attestors[0].cosign.key.kms' with data");
    cases.put(base.replace("    cosign:\n", "    cosign:\n      ctlog: {tsaCertChain: x}\n"),
        "unsupported field 'spec.attestors[0].cosign.ctlog.tsaCertChain'");
    cases.put(base.replace("  matchImageReferences:", "  variables: [{name: x, expression: y}]\n  matchImageReferences:"),
        "unsupported field 'spec.variables'");
    cases.put(base.replace("e > 0", "e >= 3"), "requires 3 of 1 attestors");
    int i = 0;
    for (var c : cases.entrySet()) {
      Path p = write("ivp-bad-" + i++ + ".yaml", c.getKey());
      assertThatThrownBy(() -> Policy.load(p)).as(c.getValue()).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(c.getValue()).hasMessageNotContaining("\n");
    }
  }
}
