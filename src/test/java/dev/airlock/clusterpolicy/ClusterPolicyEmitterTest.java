package dev.airlock.clusterpolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import dev.airlock.verify.sigstore.TestSigstore;
import dev.airlock.verify.sigstore.TrustRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * import --emit-config with a cluster policy: the objects come back with image references at their internal
 * names, keyless rules with the trust root's material in the form each verifier takes offline, everything
 * else as it was; read back through the gate's reader they give every imported image the rules the original
 * gave it under its source name, or nothing is written.
 */
class ClusterPolicyEmitterTest {
  static final String ID = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1";
  static final String ISSUER = "https://token.actions.githubusercontent.com";
  static final String T = "127.0.0.1:5000/mirror";
  static SigningKey key;
  static TestSigstore sigstore;
  static TrustRoot root;
  @TempDir static Path tmp;

  static final List<ClusterPolicyEmitter.Image> IMAGES = List.of(
      new ClusterPolicyEmitter.Image("registry.example/team/app:v1", T + "/team/app:v1"),
      new ClusterPolicyEmitter.Image("registry.example/team/tool:v2", T + "/team/tool:v2"),
      new ClusterPolicyEmitter.Image("registry.example/other/app:v1.2", T + "/other/app:v1.2"));
  static final Map<String, String> MAPPING = Map.of(
      "registry.example/team/app", T + "/team/app",
      "registry.example/team/tool", T + "/team/tool",
      "registry.example/other/app", T + "/other/app");

  @BeforeAll
  static void setUp() throws Exception {
    key = SigningKey.generate();
    sigstore = new TestSigstore("site-fulcio");
    root = TrustRoot.of(sigstore.trustedRootJson(), "trusted_root.json of the test", null);
  }

  private static Path write(String name, String yaml) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  private static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return pad + text.strip().replace("\n", "\n" + pad) + "\n";
  }

  private static List<JsonNode> docs(Path file) throws Exception {
    return ClusterPolicyFiles.documents(file, Files.readAllBytes(file));
  }

  private static Path emit(Path policy, List<ClusterPolicyEmitter.Image> images, Map<String, String> mapping,
      Supplier<TrustRoot> trust, List<String> notes) throws Exception {
    ClusterPolicyEmitter.Emission e = ClusterPolicyEmitter.prepare(policy, images, mapping, trust, true, "site bundle");
    Path dir = Files.createDirectories(tmp.resolve("emit-" + System.nanoTime()));
    notes.addAll(e.write(dir));
    return dir.resolve("cluster-policies").resolve(policy.getFileName());
  }

  static String kyverno() {
    return """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata:
          name: check-images
          annotations:
            policies.kyverno.io/title: Check images
        spec:
          validationFailureAction: Enforce
          background: false
          rules:
            - name: signed-by-release-key
              match:
                any:
                - resources:
                    kinds: [Pod]
              verifyImages:
              - imageReferences:
                - "registry.example/team/*"
                - "registry.example/other/app:v1*"
                attestors:
                - entries:
                  - keys:
                      publicKeys: |-
        """ + indent(key.publicKeyPem(), 16) + """
            - name: built-by-actions
              match:
                any:
                - resources:
                    kinds: [Pod]
              verifyImages:
              - imageReferences:
                - "registry.example/team/app*"
                attestors:
                - entries:
                  - keyless:
                      subject: "%s"
                      issuer: "%s"
        """.formatted(ID, ISSUER);
  }

  @Test
  void anImageValidatingPolicyIsNotEmitted() throws Exception {
    Path file = write("ivp.yaml", """
        apiVersion: policies.kyverno.io/v1alpha1
        kind: ImageValidatingPolicy
        metadata: {name: ivp}
        spec:
          validationActions: [Deny]
          matchImageReferences: [{glob: "registry.example/team/*"}]
          attestors:
          - name: k
            cosign:
              key:
                data: |
        """ + indent(key.publicKeyPem(), 10) + """
          validations:
          - expression: "images.containers.map(image, verifyImageSignatures(image, [attestors.k])).all(e, e > 0)"
        """);
    assertThat(Policy.load(file).images()).hasSize(1);
    assertThatThrownBy(() -> emit(file, IMAGES, MAPPING, () -> root, new java.util.ArrayList<>()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("ImageValidatingPolicy ivp is read at the gate, but airlock does not rewrite")
        .hasMessageNotContaining("\n");
  }

  /** Notary and cosign certificates entries: references rewritten; cosign's gets the offline log settings; same rules. */
  @Test
  void kyvernoCertificatesEntriesRewritten() throws Exception {
    String cert = Files.readString(dev.airlock.testing.SharedTestData.notation("certs/e2e.crt"));
    String entry = "          - certificates:\n              cert: |-\n" + indent(cert, 16);
    String policy = """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata: {name: certs}
        spec:
          validationFailureAction: Enforce
          rules:
            - name: notary
              match: {any: [{resources: {kinds: [Pod]}}]}
              verifyImages:
              - type: Notary
                imageReferences: ["registry.example/team/*"]
                attestors:
                - entries:
        """ + entry;
    Path file = write("kyverno-notary.yaml", policy);
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(file, IMAGES, MAPPING, () -> root, notes);
    JsonNode vi = docs(out).get(0).path("spec").path("rules").get(0).path("verifyImages").get(0);
    assertThat(vi.path("type").asText()).isEqualTo("Notary");
    assertThat(vi.path("imageReferences").toString()).isEqualTo("[\"" + T + "/team/*\"]");
    JsonNode c = vi.path("attestors").get(0).path("entries").get(0).path("certificates");
    assertThat(c.path("cert").asText().strip()).isEqualTo(cert.strip());
    assertThat(c.has("rekor")).as("Notation has no log settings").isFalse();
    Policy before = Policy.load(file);
    Policy after = Policy.load(out);
    for (ClusterPolicyEmitter.Image i : IMAGES.subList(0, 2)) {
      assertThat(Verdicts.constraints(after, i.target())).isEqualTo(Verdicts.constraints(before, i.source())).hasSize(1);
      assertThat(Verdicts.constraints(after, i.target()).iterator().next().rules().get(0).notation().trustStores())
          .containsExactly("ca:kyverno");
    }

    Path cosign = write("kyverno-cert.yaml", policy.replace("type: Notary", "type: Cosign"));
    Path cosignOut = emit(cosign, IMAGES, MAPPING, () -> root, notes);
    JsonNode cc = docs(cosignOut).get(0).path("spec").path("rules").get(0).path("verifyImages").get(0)
        .path("attestors").get(0).path("entries").get(0).path("certificates");
    assertThat(cc.path("rekor").path("ignoreTlog").asBoolean()).isTrue();
    assertThat(cc.path("ctlog").path("ignoreSCT").asBoolean()).isTrue();
    assertThat(Verdicts.constraints(Policy.load(cosignOut), T + "/team/app:v1"))
        .isEqualTo(Verdicts.constraints(Policy.load(cosign), "registry.example/team/app:v1")).hasSize(1);
  }

  @Test
  void kyvernoImageReferencesRewrittenAndKeylessGivenTheTrustRoot() throws Exception {
    Path policy = write("kyverno.yaml", kyverno());
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, IMAGES, MAPPING, () -> root, notes);
    List<JsonNode> docs = docs(out);
    assertThat(docs).hasSize(2);
    JsonNode p = docs.get(0);
    JsonNode original = docs(policy).get(0);
    assertThat(p.path("metadata")).isEqualTo(original.path("metadata"));
    assertThat(p.path("spec").path("validationFailureAction")).isEqualTo(original.path("spec").path("validationFailureAction"));
    JsonNode rule0 = p.path("spec").path("rules").get(0);
    assertThat(rule0.path("match")).isEqualTo(original.path("spec").path("rules").get(0).path("match"));
    JsonNode vi = rule0.path("verifyImages").get(0);
    assertThat(vi.path("imageReferences").toString())
        .isEqualTo("[\"" + T + "/team/*\",\"" + T + "/other/app:v1*\"]");
    JsonNode keys = vi.path("attestors").get(0).path("entries").get(0).path("keys");
    assertThat(keys.path("publicKeys").asText().strip()).isEqualTo(key.publicKeyPem().strip());
    assertThat(keys.path("rekor").path("ignoreTlog").asBoolean()).isTrue();
    assertThat(keys.path("ctlog").path("ignoreSCT").asBoolean()).isTrue();
    JsonNode keyless = p.path("spec").path("rules").get(1).path("verifyImages").get(0);
    assertThat(keyless.path("imageReferences").toString()).isEqualTo("[\"" + T + "/team/app*\"]");
    JsonNode k = keyless.path("attestors").get(0).path("entries").get(0).path("keyless");
    assertThat(k.path("subject").asText()).isEqualTo(ID);
    TrustMaterial m = new TrustMaterial(root);
    assertThat(k.path("roots").asText()).isEqualTo(m.kyvernoRoots()).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(k.path("rekor").path("pubkey").asText()).isEqualTo(m.tlogs.get(0).keyPem());
    assertThat(k.path("rekor").path("url").asText()).isEqualTo("https://rekor.test.invalid");
    assertThat(k.has("ctlog")).as("the trust root has no CT log").isFalse();
    JsonNode cm = docs.get(1);
    assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(cm.path("metadata").path("namespace").asText()).isEqualTo("kyverno");
    assertThat(cm.path("data").path("trusted_root.json").asText().getBytes(StandardCharsets.UTF_8))
        .isEqualTo(sigstore.trustedRootJson());
    assertThat(notes).anyMatch(n -> n.startsWith("wrote ") && n.endsWith("cluster-policies/kyverno.yaml"))
        .anyMatch(n -> n.contains("1 key entries set rekor.ignoreTlog"))
        .anyMatch(n -> n.contains("1 keyless entries carry the trust root's Fulcio CAs"));

    // the gate's reader takes it, and the internal names get the rules the source names got
    Policy before = Policy.load(policy);
    Policy after = Policy.load(out);
    for (ClusterPolicyEmitter.Image i : IMAGES) {
      assertThat(Verdicts.constraints(after, i.target())).isEqualTo(Verdicts.constraints(before, i.source()))
          .isNotEmpty();
      assertThat(Verdicts.constraints(after, i.source())).as("source names are no longer selected").isEmpty();
    }
    assertThat(Verdicts.constraints(after, T + "/team/app:v1").size()).isEqualTo(2);
    assertThat(Verdicts.constraints(after, T + "/other/app:v2")).as("the tag filter kept").isEmpty();
  }

  @Test
  void flattenedNamesKeepThePatternAfterTheReplacedPrefix() throws Exception {
    Path policy = write("kyverno-flat.yaml", kyverno());
    List<ClusterPolicyEmitter.Image> images = List.of(
        new ClusterPolicyEmitter.Image("registry.example/team/app:v1", "127.0.0.1:5000/team-app:v1"),
        new ClusterPolicyEmitter.Image("registry.example/other/app:v1.2", "127.0.0.1:5000/other-app:v1.2"));
    Map<String, String> mapping = Map.of("registry.example/team/app", "127.0.0.1:5000/team-app",
        "registry.example/other/app", "127.0.0.1:5000/other-app");
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, images, mapping, () -> root, notes);
    JsonNode vi = docs(out).get(0).path("spec").path("rules").get(0).path("verifyImages").get(0);
    // registry.example/team/X became team-X: the prefix is replaced, the rest of the pattern kept
    assertThat(vi.path("imageReferences").toString()).isEqualTo("[\"127.0.0.1:5000/team-*\",\"127.0.0.1:5000/other-app:v1*\"]");
    assertThat(notes).noneMatch(n -> n.contains("became"));
  }

  @Test
  void clusterImagePolicyKeylessReferencesAWrittenTrustRoot() throws Exception {
    Path policy = write("cip.yaml", """
        apiVersion: policy.sigstore.dev/v1beta1
        kind: ClusterImagePolicy
        metadata:
          name: image-policy
        spec:
          mode: enforce
          images:
          - glob: "registry.example/team/**"
          authorities:
          - name: release-key
            key:
              data: |
        """ + indent(key.publicKeyPem(), 8) + """
          - name: actions
            keyless:
              url: https://fulcio.sigstore.dev
              identities:
              - issuer: %s
                subject: %s
        """.formatted(ISSUER, ID));
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, IMAGES, MAPPING, () -> root, notes);
    List<JsonNode> docs = docs(out);
    assertThat(docs).hasSize(2);
    JsonNode spec = docs.get(0).path("spec");
    assertThat(spec.path("images").toString()).isEqualTo("[{\"glob\":\"" + T + "/team/**\"}]");
    assertThat(spec.path("authorities").get(0).path("key").has("trustRootRef")).isFalse();
    assertThat(spec.path("authorities").get(1).path("keyless").path("trustRootRef").asText()).isEqualTo("airlock-site-bundle");
    JsonNode tr = docs.get(1);
    assertThat(tr.path("apiVersion").asText()).isEqualTo("policy.sigstore.dev/v1alpha1");
    assertThat(tr.path("kind").asText()).isEqualTo("TrustRoot");
    assertThat(tr.path("metadata").path("name").asText()).isEqualTo("airlock-site-bundle");
    JsonNode keys = tr.path("spec").path("sigstoreKeys");
    TrustMaterial m = new TrustMaterial(root);
    assertThat(new String(Base64.getDecoder().decode(keys.path("certificateAuthorities").get(0).path("certChain").asText()),
        StandardCharsets.UTF_8)).isEqualTo(m.cas.get(0).chainPem());
    assertThat(keys.path("certificateAuthorities").get(0).path("subject").path("commonName").asText()).isEqualTo("test-fulcio");
    assertThat(new String(Base64.getDecoder().decode(keys.path("tLogs").get(0).path("publicKey").asText()),
        StandardCharsets.UTF_8)).isEqualTo(m.tlogs.get(0).keyPem());
    assertThat(keys.path("tLogs").get(0).path("hashAlgorithm").asText()).isEqualTo("sha-256");
    Policy after = Policy.load(out);
    Policy.Keyless k = after.images().get(0).rules().get(1).keyless();
    assertThat(k.trust().fulcioRoots()).containsExactly(m.cas.get(0).chainPem());
    assertThat(notes).anyMatch(n -> n.contains("1 keyless authorities reference TrustRoot airlock-site-bundle"));
  }

  @Test
  void fluxUrlRewrittenAndPlainHttpMarkedInsecure() throws Exception {
    Path policy = write("flux.yaml", """
        apiVersion: source.toolkit.fluxcd.io/v1beta2
        kind: OCIRepository
        metadata:
          name: app
          namespace: flux-system
        spec:
          interval: 5m
          url: oci://registry.example/team/app
          ref:
            tag: v1
          verify:
            provider: cosign
            matchOIDCIdentity:
            - issuer: "^https://token\\\\.actions\\\\.githubusercontent\\\\.com$"
              subject: "^https://github\\\\.com/acme/.*$"
        """);
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, IMAGES, MAPPING, () -> root, notes);
    JsonNode spec = docs(out).get(0).path("spec");
    assertThat(spec.path("url").asText()).isEqualTo("oci://" + T + "/team/app");
    assertThat(spec.path("insecure").asBoolean()).isTrue();
    assertThat(spec.path("ref").path("tag").asText()).isEqualTo("v1");
    assertThat(spec.path("verify")).isEqualTo(docs(policy).get(0).path("spec").path("verify"));
    assertThat(notes).anyMatch(n -> n.contains("Flux checks keyless signatures against Sigstore's public TUF root"));
  }

  @Test
  void airlockPolicyWritesNothingAndSaysSo() throws Exception {
    Path policy = write("airlock.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'registry.example/**'\n"
        + "  rules:\n  - sbom: true\n");
    ClusterPolicyEmitter.Emission e = ClusterPolicyEmitter.prepare(policy, IMAGES, MAPPING, () -> root, false, "b");
    Path dir = Files.createDirectories(tmp.resolve("airlock-format"));
    assertThat(e.write(dir)).containsExactly("no cluster policy written: " + policy
        + " is an airlock policy (the gate's own format); the cluster's verifiers do not read it");
    assertThat(dir.resolve("cluster-policies")).doesNotExist();
  }

  @Test
  void keylessWithoutATrustRootIsLeftAsItIsAndSaid() throws Exception {
    Path policy = write("kyverno-no-tuf.yaml", kyverno());
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, IMAGES, MAPPING, () -> {
      throw new VerificationException("the bundle carries no TUF repository (bundle --tuf-repo)");
    }, notes);
    List<JsonNode> docs = docs(out);
    assertThat(docs).as("no ConfigMap").hasSize(1);
    JsonNode k = docs.get(0).path("spec").path("rules").get(1).path("verifyImages").get(0).path("attestors").get(0)
        .path("entries").get(0).path("keyless");
    assertThat(k.has("roots")).isFalse();
    assertThat(notes).anyMatch(n -> n.contains("keyless rules get no trust material (the bundle carries no TUF repository"));
  }

  @Test
  void anEmissionThatLosesARuleIsRefused() throws Exception {
    Path policy = write("kyverno-refused.yaml", kyverno());
    byte[] original = Files.readAllBytes(policy);
    String weaker = kyverno().replace("registry.example/team/app*", "registry.example/nothing/*")
        .replace("registry.example", T);
    Path emitted = write("kyverno-weaker.yaml", weaker);
    assertThatThrownBy(() -> Verdicts.requireSame(policy, original, emitted, weaker.getBytes(StandardCharsets.UTF_8),
        IMAGES, root)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--emit-config: the rewritten kyverno-refused.yaml would not enforce what the gate enforced"
            + " (registry.example/team/app:v1 gets 2 policy entries at the gate, " + T + "/team/app:v1 1 from the"
            + " rewritten file); nothing was imported");
    assertThat(Verdicts.constraints(Policy.load(emitted), T + "/team/tool:v2"))
        .isEqualTo(Verdicts.constraints(Policy.load(policy), "registry.example/team/tool:v2"));
  }

  @Test
  void aPatternOverSeveralHostsRewrittenPerPrefix() {
    Map<String, String> mapping = new LinkedHashMap<>();
    mapping.put("docker.io/library/alpine", "reg:5000/library/alpine");
    mapping.put("ghcr.io/library/tool", "reg:5000/library/tool");
    List<ReferencePatterns.Image> images = List.of(
        new ReferencePatterns.Image("docker.io/library/alpine:3.20", "reg:5000/library/alpine:3.20"),
        new ReferencePatterns.Image("ghcr.io/library/tool:1", "reg:5000/library/tool:1"));
    // reg:5000/library/* would also take ghcr.io's repository, which the original does not select
    ReferencePatterns.Rewrite r = ReferencePatterns.rewrite("docker.io/library/*", ClusterPolicyFiles::kyvernoSelects,
        mapping, images);
    assertThat(r.patterns()).containsExactly("reg:5000/library/alpine:*", "reg:5000/library/alpine@*");
    assertThat(ReferencePatterns.rewrite("docker.io/library/alpine:3.*", ClusterPolicyFiles::kyvernoSelects, mapping, images)
        .patterns()).containsExactly("reg:5000/library/alpine:3.*");
    ReferencePatterns.Rewrite none = ReferencePatterns.rewrite("quay.io/*", ClusterPolicyFiles::kyvernoSelects, mapping, images);
    assertThat(none.patterns()).containsExactly("quay.io/*");
    assertThat(none.note()).isEqualTo("'quay.io/*' selects no imported image: left as it is");
  }

  @Test
  void emittedDocumentsAreCheckedAgainstTheCrdSchemas() throws Exception {
    // what a cluster would not accept stops the emission: Flux requires spec.interval
    Path flux = write("flux-no-interval.yaml", """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: OCIRepository
        metadata: {name: app, namespace: flux-system}
        spec:
          url: oci://registry.example/team/app
          verify:
            provider: cosign
            secretRef: {name: cosign-pub}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: cosign-pub, namespace: flux-system}
        stringData:
          cosign.pub: |
        """ + indent(key.publicKeyPem(), 4));
    assertThatThrownBy(() -> ClusterPolicyEmitter.prepare(flux, IMAGES, MAPPING, () -> root, false, "b"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--emit-config: the rewritten flux-no-interval.yaml is not what the cluster accepts:")
        .hasMessageContaining("OCIRepository app does not match its CRD schema (source.toolkit.fluxcd.io-ocirepository.json):"
            + " spec.interval: is required; nothing was imported");

    JsonNode kyvernoSchema = CrdSchemas.schema("kyverno.io-policy.json");
    JsonNode doc = ClusterPolicyFiles.documents(tmp.resolve("x"), kyverno().getBytes(StandardCharsets.UTF_8)).get(0);
    assertThat(CrdSchemas.violation(kyvernoSchema, doc, "")).isNull();
    com.fasterxml.jackson.databind.node.ObjectNode keyless = (com.fasterxml.jackson.databind.node.ObjectNode) doc.path("spec")
        .path("rules").get(1).path("verifyImages").get(0).path("attestors").get(0).path("entries").get(0).path("keyless");
    keyless.put("rootz", "x");
    assertThat(CrdSchemas.violation(kyvernoSchema, doc, "")).isEqualTo("spec.rules[1].verifyImages[0].attestors[0].entries[0]"
        + ".keyless.rootz: not a field of this kind (the API server would drop it)");
    keyless.remove("rootz");
    keyless.putObject("rekor").put("ignoreTlog", "yes");
    assertThat(CrdSchemas.violation(kyvernoSchema, doc, "")).isEqualTo("spec.rules[1].verifyImages[0].attestors[0].entries[0]"
        + ".keyless.rekor.ignoreTlog: must be a boolean, is string");
    ((com.fasterxml.jackson.databind.node.ObjectNode) doc.path("spec")).put("validationFailureAction", "Deny");
    assertThat(CrdSchemas.violation(kyvernoSchema, doc, "")).startsWith("spec.validationFailureAction: 'Deny' is not one of");
    for (String s : List.of("policy.sigstore.dev-clusterimagepolicy.json", "policy.sigstore.dev-trustroot.json",
        "source.toolkit.fluxcd.io-ocirepository.json")) {
      assertThat(CrdSchemas.schema(s).path("$comment").asText()).as(s + " cites its upstream CRD").contains(" at ");
    }
    assertThat(CrdSchemas.schema("v1-configmap-secret.json").path("$comment").asText()).contains("core/v1");
  }

  @Test
  void kyvernoKeysFromAConfigMapContextPassThrough() throws Exception {
    Path policy = write("kyverno-cm.yaml", kyverno().replace("      verifyImages:\n      - imageReferences:\n"
        + "        - \"registry.example/team/*\"", "      context:\n      - name: keys\n"
        + "        configMap: {name: keys, namespace: kyverno}\n      verifyImages:\n"
        + "      - imageReferences:\n        - \"registry.example/team/*\"")
        .replaceFirst("publicKeys: \\|-\n(                .*\n)+", "publicKeys: \"{{ keys.data.release }}\"\n")
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys, namespace: kyverno}\ndata:\n  release: |\n"
        + indent(key.publicKeyPem(), 4));
    assertThat(Files.readString(policy)).contains("{{ keys.data.release }}").doesNotContain("publicKeys: |-");
    List<String> notes = new java.util.ArrayList<>();
    Path out = emit(policy, IMAGES, MAPPING, () -> root, notes);
    List<JsonNode> docs = docs(out);
    assertThat(docs.get(0).path("spec").path("rules").get(0).path("context")).isEqualTo(docs(policy).get(0).path("spec")
        .path("rules").get(0).path("context"));
    assertThat(docs.get(1).path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(docs.get(1).path("data").path("release").asText().strip()).isEqualTo(key.publicKeyPem().strip());
    Policy after = Policy.load(out);
    assertThat(after.images().get(0).rules().get(0).signedBy()).containsExactly(key.publicKeyPem().strip() + "\n");
  }
}
