package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kyverno attestor entries of {@code certificates} at the gate. With {@code type: Notary} they are the trust
 * anchors of Kyverno's Notary verifier (kyverno pkg/notary: trust store {@code ca:kyverno} of cert + certChain, a
 * strict trust policy, trusted identities {@code *}); checked on the shared Notation vectors (notation e2e
 * layouts, e2e.crt; new_e2e.crt has the same key but is another certificate) against the airlock-policy
 * {@code notation:} rule with a trust store directory holding the same certificate. With cosign, {@code cert}'s
 * public key verifies the signature and {@code certChain} must be the chain it was issued under (cosign's
 * --certificate / --certificate-chain); the equivalent is {@code signedBy} the certificate's key. The Kyverno files
 * follow kyverno.io's "Verify Images Rules" Notary page (verify-images/notary/, attestors[].entries[].certificates.cert).
 */
class KyvernoCertificatesVerdictTest {
  static final Instant CREATED = Instant.parse("2026-08-22T00:00:00Z");
  @TempDir static Path tmp;
  static SigningKey bundleKey;
  static SigningKey imageKey;
  static SigningKey otherKey;
  static Path signedByImageKey;
  static Path signedByOtherKey;
  static Path unsigned;

  @BeforeAll
  static void setUp() throws Exception {
    bundleKey = SigningKey.generate();
    imageKey = SigningKey.generate();
    otherKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    Files.writeString(tmp.resolve("bundle.pub"), bundleKey.publicKeyPem());
    signedByImageKey = TestBundle.build(dir("by-image"), bundleKey, imageKey, CREATED);
    signedByOtherKey = TestBundle.build(dir("by-other"), bundleKey, otherKey, CREATED);
    unsigned = TestBundle.build(dir("unsigned"), bundleKey, null, CREATED);
  }

  private static Path dir(String name) throws Exception {
    return Files.createDirectories(tmp.resolve(name));
  }

  private static Path write(String name, String text) throws Exception {
    Path p = tmp.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static String indent(String pem, int spaces) {
    String pad = " ".repeat(spaces);
    return pad + pem.strip().replace("\n", "\n" + pad) + "\n";
  }

  private static String kyverno(String type, String refs, String entry) {
    return """
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata:
          name: check-image
        spec:
          validationFailureAction: Enforce
          rules:
            - name: verify-signature
              match:
                any:
                - resources:
                    kinds:
                      - Pod
              verifyImages:
              - type: %s
                imageReferences:
                - "%s"
                attestors:
                - count: 1
                  entries:
        """.formatted(type, refs) + entry;
  }

  private static VerificationReport verify(Path bundle, Path policy) throws Exception {
    return OfflineVerifier.verify(bundle, VerifyOptions.withKeys(List.of(bundleKey.publicKey()))
        .withClock(Clock.fixed(CREATED, ZoneOffset.UTC)).withPolicy(Policy.load(policy), tmp));
  }

  private static void sameVerdict(Path bundle, Path cluster, Path airlock, boolean expected) throws Exception {
    VerificationReport a = verify(bundle, airlock);
    VerificationReport c = verify(bundle, cluster);
    assertThat(a.passed()).as("airlock policy on " + bundle.getParent().getFileName() + ": " + a.firstFailure()).isEqualTo(expected);
    assertThat(c.passed()).as("cluster policy on " + bundle.getParent().getFileName() + ": " + c.firstFailure()).isEqualTo(expected);
  }

  @Test
  void notaryTypeTrustsTheCertificatesAsNotationDoes() throws Exception {
    Path e2eCrt = SharedTestData.notation("certs/e2e.crt");
    Path newCrt = SharedTestData.notation("certs/new_e2e.crt");
    Map<String, Path> bundles = new LinkedHashMap<>();
    for (String c : List.of("e2e-valid-signature", "e2e-invalid-signature", "e2e")) {
      Files.writeString(tmp.resolve(c + ".yaml"), """
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: %s}
          spec:
            images:
              - layout: %s:v1
                name: registry.example/notation/%s:v1
          """.formatted(c, SharedTestData.notation("layouts/" + c), c));
      Path out = tmp.resolve(c + ".tar");
      CommandResult r = CommandResult.run("bundle", tmp.resolve(c + ".yaml").toString(), "-o", out.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
      bundles.put(c, out);
    }
    for (Path crt : List.of(e2eCrt, newCrt)) {
      String pem = Files.readString(crt);
      Path cluster = write("kyverno-notary-" + crt.getFileName() + ".yaml", kyverno("Notary", "registry.example/notation/*", """
                  - certificates:
                      cert: |-
          """.indent(2) + indent(pem, 16)));
      Path store = tmp.resolve("store-" + crt.getFileName() + "/x509/ca/kyverno");
      Files.createDirectories(store);
      Files.copy(crt, store.resolve(crt.getFileName()));
      Path airlock = write("airlock-notary-" + crt.getFileName() + ".yaml", """
          apiVersion: airlock.dev/v1
          images:
          - match: "registry.example/notation/**"
            rules:
            - notation: {trustStore: %s, trustStores: ["ca:kyverno"], identities: ["*"]}
          """.formatted(tmp.resolve("store-" + crt.getFileName())));
      // the same trust as a Kyverno ImageValidatingPolicy notary attestor (certs.value)
      Path ivp = write("ivp-notary-" + crt.getFileName() + ".yaml", """
          apiVersion: policies.kyverno.io/v1alpha1
          kind: ImageValidatingPolicy
          metadata:
            name: verify-notary
          spec:
            validationActions: [Deny]
            matchImageReferences:
            - glob: "registry.example/notation/*"
            attestors:
            - name: notary
              notary:
                certs:
                  value: |-
          """ + indent(pem, 12) + """
            validations:
            - expression: >-
                images.containers.map(image, verifyImageSignatures(image, [attestors.notary])).all(e, e > 0)
          """);
      boolean trusted = crt.equals(e2eCrt);
      Map<String, String> verdicts = new LinkedHashMap<>();
      for (var b : bundles.entrySet()) {
        boolean expected = trusted && b.getKey().equals("e2e-valid-signature");
        CommandResult a = CommandResult.run("verify", b.getValue().toString(), "--allow-unsigned", "--policy", airlock.toString());
        CommandResult c = CommandResult.run("verify", b.getValue().toString(), "--allow-unsigned", "--policy", cluster.toString());
        assertThat(a.exitCode()).as(b.getKey() + " airlock " + crt.getFileName() + ": " + a.err()).isEqualTo(expected ? 0 : 3);
        assertThat(c.exitCode()).as(b.getKey() + " kyverno " + crt.getFileName() + ": " + c.err()).isEqualTo(a.exitCode());
        CommandResult iv = CommandResult.run("verify", b.getValue().toString(), "--allow-unsigned", "--policy", ivp.toString());
        assertThat(iv.exitCode()).as(b.getKey() + " ivpol " + crt.getFileName() + ": " + iv.err()).isEqualTo(a.exitCode());
        verdicts.put(b.getKey(), c.exitCode() == 0 ? "pass" : c.err().contains("authenticity failed") ? "authenticity"
            : c.err().contains("integrity failed") ? "integrity" : c.err().contains("no Notation signature") ? "none" : c.err());
        if (expected) {
          assertThat(c.out()).contains("notation JWS signature sha256:90ceaff260d6 by 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'");
        }
      }
      assertThat(verdicts).as(crt.getFileName().toString()).containsExactlyInAnyOrderEntriesOf(trusted
          ? Map.of("e2e-valid-signature", "pass", "e2e-invalid-signature", "integrity", "e2e", "none")
          : Map.of("e2e-valid-signature", "authenticity", "e2e-invalid-signature", "integrity", "e2e", "none"));
    }
  }

  @Test
  void cosignCertificateIsTheSignersKey() throws Exception {
    X509Certificate self = certificate("CN=image signer", imageKey.publicKey(), "CN=image signer", imageKey.privateKey(), false);
    Path cluster = write("kyverno-cert.yaml", kyverno("Cosign", "example.test/team/*", """
                  - certificates:
                      cert: |-
        """ + indent(pem(self), 16) + """
                      rekor:
                        ignoreTlog: true
        """));
    Path airlock = write("airlock-cert.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, false);
    sameVerdict(unsigned, cluster, airlock, false);
    assertThat(verify(signedByImageKey, cluster).images().get(0).rules().get(0).rule())
        .contains("attestors[0].entries[0]: signature by certificate");
  }

  @Test
  void cosignCertificateWithItsChain() throws Exception {
    KeyPair ca = ec();
    X509Certificate root = certificate("CN=site root", ca.getPublic(), "CN=site root", ca.getPrivate(), true);
    X509Certificate leaf = certificate("CN=image signer", imageKey.publicKey(), "CN=site root", ca.getPrivate(), false);
    String entry = """
                  - certificates:
                      cert: |-
        """ + indent(pem(leaf), 16) + """
                      certChain: |-
        """ + indent(pem(root), 16) + """
                      ctlog:
                        ignoreSCT: true
        """;
    Path cluster = write("kyverno-chain.yaml", kyverno("Cosign", "example.test/team/*", entry));
    Path airlock = write("airlock-chain.yaml", "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/team/**'\n"
        + "  rules:\n  - signedBy: [image.pub]\n");
    sameVerdict(signedByImageKey, cluster, airlock, true);
    sameVerdict(signedByOtherKey, cluster, airlock, false);

    KeyPair otherCa = ec();
    X509Certificate otherRoot = certificate("CN=other root", otherCa.getPublic(), "CN=other root", otherCa.getPrivate(), true);
    Path wrongChain = write("kyverno-wrong-chain.yaml", Files.readString(cluster).replace(indent(pem(root), 16), indent(pem(otherRoot), 16)));
    assertThatThrownBy(() -> Policy.load(wrongChain)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("attestors[0].entries[0].certificates.cert does not chain to").hasMessageNotContaining("\n");
    Path withSct = write("kyverno-chain-sct.yaml", Files.readString(cluster).replace("ignoreSCT: true", "ignoreSCT: false"));
    assertThatThrownBy(() -> Policy.load(withSct)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("certificates.certChain needs ctlog.ignoreSCT: true").hasMessageNotContaining("\n");
    Path chainOnly = write("kyverno-chain-only.yaml", kyverno("Cosign", "example.test/team/*", """
                  - certificates:
                      certChain: |-
        """ + indent(pem(root), 16)));
    assertThatThrownBy(() -> Policy.load(chainOnly)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("certificates.cert is required for a cosign signature").hasMessageNotContaining("\n");
  }

  @Test
  void whatTheGateCannotEvaluateIsAOneLineErrorNamingTheField() throws Exception {
    String crt = pem(certificate("CN=x", imageKey.publicKey(), "CN=x", imageKey.privateKey(), false));
    String certEntry = """
                  - certificates:
                      cert: |-
        """ + indent(crt, 16);
    String keyEntry = """
                  - keys:
                      publicKeys: |-
        """ + indent(imageKey.publicKeyPem(), 16);
    String keyless = """
                  - keyless:
                      subject: "https://github.com/acme/*"
                      issuer: "https://token.actions.githubusercontent.com"
        """;
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(kyverno("Notary", "x/*", keyEntry), "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys' with type Notary");
    cases.put(kyverno("Notary", "x/*", certEntry + "              rekor: {ignoreTlog: true}\n"),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].certificates.rekor' with type Notary");
    cases.put(kyverno("Notary", "x/*", certEntry).replace("        attestors:", "        attestations:\n"
        + "        - type: sbom/cyclone-dx\n        attestors:"), "unsupported field 'spec.rules[0].verifyImages[0].attestations' with type Notary");
    cases.put(kyverno("Notary", "x/*", "          - certificates:\n              cert: not a certificate\n"),
        "certificates.cert is not PEM certificates");
    cases.put(kyverno("Cosign", "x/*", keyEntry + "              ctlog: {tsaCertChain: x}\n"),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.ctlog.tsaCertChain'");
    cases.put(kyverno("Cosign", "x/*", keyless + "              additionalExtensions: {githubWorkflowTrigger: push}\n"),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.additionalExtensions'");
    cases.put(kyverno("Cosign", "x/*", certEntry + "              rekor: {pubkey: x}\n"),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].certificates.rekor.pubkey'");
    cases.put(kyverno("SigstoreBundle", "x/*", keyEntry),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].keys' with type SigstoreBundle");
    cases.put(kyverno("SigstoreBundle", "x/*", certEntry),
        "unsupported field 'spec.rules[0].verifyImages[0].attestors[0].entries[0].certificates' with type SigstoreBundle");
    int i = 0;
    for (var c : cases.entrySet()) {
      Path p = write("bad-" + i++ + ".yaml", c.getKey());
      assertThatThrownBy(() -> Policy.load(p)).as(c.getValue()).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining(c.getValue()).hasMessageNotContaining("\n");
    }
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate certificate(String subject, PublicKey key, String issuer, PrivateKey issuerKey, boolean ca)
      throws Exception {
    Instant from = CREATED.minusSeconds(86_400);
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
        BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(from.plusSeconds(365L * 86_400)), new X500Name(subject), key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
    }
    String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
  }

  private static String pem(X509Certificate c) throws Exception {
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
  }
}
