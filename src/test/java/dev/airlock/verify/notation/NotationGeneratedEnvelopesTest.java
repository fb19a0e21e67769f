package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.SharedTestData;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cases the shared vectors lack, with envelopes made by {@link NotationTestPki}: COSE, ECDSA, a
 * three-certificate chain, notary.x509.signingAuthority, RFC 3161 timestamps from a trusted TSA, and
 * CRL revocation; plus the shared CRL files checked directly.
 */
class NotationGeneratedEnvelopesTest {
  static final Instant SIGNED = NotationTestPki.T0.plusSeconds(86400);
  static final Instant SOON = NotationTestPki.T0.plusSeconds(2 * 86400);
  /** After the leaf's 30 days. */
  static final Instant LATER = NotationTestPki.T0.plusSeconds(60 * 86400);

  @TempDir static Path tmp;
  static NotationTestPki pki;
  static LayoutStore layout;
  static RawManifest image;
  static RawManifest index;

  @BeforeAll
  static void setUp() throws Exception {
    pki = new NotationTestPki(false);
    layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    image = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("a", "app"));
    index = TestImages.index(layout, List.of(image), List.of(Platform.parse("linux/amd64")));
  }

  static TrustPolicyStatement statement(String level, Map<String, String> override, String... stores) {
    return new TrustPolicyStatement("t", List.of("*"), VerificationLevel.of(level, override), TrustPolicyStatement.ALWAYS,
        List.of(stores), true, List.of());
  }

  NotationResult verify(NotationTestPki p, TrustPolicyStatement st, String envType, byte[] env, Descriptor subject,
      Path store, Instant at) throws Exception {
    return new NotationVerifier(TrustStore.load(store), List.of(), at).verify(st, "sig", envType, env, subject);
  }

  @Test
  void coseAndJwsWithAnIntermediateVerify() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    for (Descriptor subject : List.of(image.descriptor(), index.descriptor())) {
      NotationResult cose = verify(pki, statement("strict", null, "ca:acme"), SignatureEnvelope.COSE,
          pki.cose(subject, NotationTestPki.Options.x509(SIGNED)), subject, store, SOON);
      assertThat(cose.passed()).as(cose.summary()).isTrue();
      assertThat(cose.envelope()).isEqualTo("COSE");
      assertThat(cose.certificateSubject()).isEqualTo("C=US,ST=WA,O=Acme,OU=CI,CN=builder");
      NotationResult jws = verify(pki, statement("strict", null, "ca:acme"), SignatureEnvelope.JWS,
          pki.jws(subject, NotationTestPki.Options.x509(SIGNED)), subject, store, SOON);
      assertThat(jws.passed()).as(jws.summary()).isTrue();
    }
  }

  @Test
  void payloadMustNameTheSubjectAndBytesMustBeIntact() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    byte[] cose = pki.cose(image.descriptor(), NotationTestPki.Options.x509(SIGNED));
    NotationResult other = verify(pki, statement("audit", null, "ca:acme"), SignatureEnvelope.COSE, cose,
        index.descriptor(), store, SOON);
    assertThat(other.failure()).isEqualTo(Check.INTEGRITY);
    assertThat(other.failureMessage()).contains("not for " + index.descriptor().mediaType());
    Descriptor wrongSize = new Descriptor(image.mediaType(), image.digest(), image.size() + 1, null, null, null, null);
    assertThat(verify(pki, statement("audit", null, "ca:acme"), SignatureEnvelope.COSE, cose, wrongSize, store, SOON)
        .failure()).isEqualTo(Check.INTEGRITY);
    byte[] tampered = cose.clone();
    tampered[tampered.length - 5] ^= 1; // inside the signature
    NotationResult t = verify(pki, statement("audit", null, "ca:acme"), SignatureEnvelope.COSE, tampered,
        image.descriptor(), store, SOON);
    assertThat(t.failure()).isEqualTo(Check.INTEGRITY);
    assertThat(t.failureMessage()).contains("does not verify");
    assertThat(verify(pki, statement("strict", null, "ca:acme"), SignatureEnvelope.JWS, cose, image.descriptor(), store, SOON)
        .failure()).as("a COSE body under the JWS type").isEqualTo(Check.INTEGRITY);
  }

  @Test
  void withoutATimestampTheChainIsJudgedNowAndWithOneAtTheStampedTime() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    Descriptor s = image.descriptor();
    byte[] plain = pki.jws(s, NotationTestPki.Options.x509(SIGNED));
    NotationResult late = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), SignatureEnvelope.JWS, plain, s,
        store, LATER);
    assertThat(late.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
    assertThat(late.failureMessage()).contains("no timestamp countersignature");
    NotationResult noTsa = verify(pki, statement("strict", null, "ca:acme"), SignatureEnvelope.JWS, plain, s, store, LATER);
    assertThat(noTsa.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
    assertThat(noTsa.failureMessage()).contains("expired at");
    for (String type : List.of(SignatureEnvelope.JWS, SignatureEnvelope.COSE)) {
      NotationTestPki.Options o = NotationTestPki.Options.x509(SIGNED).timestamped(SIGNED.plusSeconds(5));
      byte[] env = type.equals(SignatureEnvelope.JWS) ? pki.jws(s, o) : pki.cose(s, o);
      NotationResult r = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), type, env, s, store, LATER);
      assertThat(r.passed()).as(r.summary()).isTrue();
      assertThat(r.authenticated()).isTrue();
      assertThat(r.validationTime()).isEqualTo(SIGNED.plusSeconds(5));
      assertThat(r.summary()).contains("timestamped at " + SIGNED.plusSeconds(5));
    }
    // a stamp outside the leaf's validity, a stamp over other bytes, a TSA the store does not trust
    NotationResult outside = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), SignatureEnvelope.JWS,
        pki.jws(s, NotationTestPki.Options.x509(SIGNED).timestamped(LATER)), s, store, LATER);
    assertThat(outside.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
    assertThat(outside.failureMessage()).contains("not valid over the whole timestamp range");
    NotationTestPki other = new NotationTestPki(false);
    Path otherStore = other.store(tmp, "ca", NotationTestPki.none());
    Files.copy(store.resolve("x509/ca/acme/root.crt"), otherStore.resolve("x509/ca/acme/root.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    NotationResult untrustedTsa = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), SignatureEnvelope.JWS,
        pki.jws(s, NotationTestPki.Options.x509(SIGNED).timestamped(SIGNED)), s, otherStore, LATER);
    assertThat(untrustedTsa.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
    assertThat(untrustedTsa.failureMessage()).contains("tsa trust store");
    byte[] swapped = swapTimestamp(pki.jws(s, NotationTestPki.Options.x509(SIGNED)),
        pki.timestamp(new byte[] {1, 2, 3}, SIGNED));
    NotationResult wrongImprint = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), SignatureEnvelope.JWS,
        swapped, s, store, LATER);
    assertThat(wrongImprint.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
    assertThat(wrongImprint.failureMessage()).contains("message imprint");
  }

  /**
   * The timestamp's range genTime ± accuracy (the test TSA gives 1 s) must lie within every certificate of the
   * signing chain, judged at a time the leaf has expired (so only the timestamp can authenticate the signing time):
   * before the leaf's notBefore, after its notAfter, or straddling either bound by the accuracy fails as an
   * authentic-timestamp failure, JWS and COSE alike; one second inside both bounds passes.
   */
  @Test
  void aTimestampRangeOutsideTheSigningCertificatesValidityFails() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    Descriptor s = image.descriptor();
    Instant notBefore = pki.leaf.cert().getNotBefore().toInstant();
    Instant notAfter = pki.leaf.cert().getNotAfter().toInstant();
    assertThat(notBefore).isEqualTo(NotationTestPki.T0);
    for (String type : List.of(SignatureEnvelope.JWS, SignatureEnvelope.COSE)) {
      for (Instant at : List.of(notBefore.minusSeconds(3600), notBefore, notAfter, notAfter.plusSeconds(3600))) {
        NotationTestPki.Options o = NotationTestPki.Options.x509(SIGNED).timestamped(at);
        byte[] env = type.equals(SignatureEnvelope.JWS) ? pki.jws(s, o) : pki.cose(s, o);
        NotationResult r = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), type, env, s, store, LATER);
        assertThat(r.passed()).as(type + " stamped at " + at).isFalse();
        assertThat(r.failure()).as(type + " stamped at " + at).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
        assertThat(r.failureMessage()).contains("CN=builder").contains("not valid over the whole timestamp range ["
            + at.minusSeconds(1) + ", " + at.plusSeconds(1) + "]");
        assertThat(r.authenticated()).isFalse();
      }
      for (Instant at : List.of(notBefore.plusSeconds(1), notAfter.minusSeconds(1))) {
        NotationTestPki.Options o = NotationTestPki.Options.x509(SIGNED).timestamped(at);
        byte[] env = type.equals(SignatureEnvelope.JWS) ? pki.jws(s, o) : pki.cose(s, o);
        NotationResult r = verify(pki, statement("strict", null, "ca:acme", "tsa:acme"), type, env, s, store, LATER);
        assertThat(r.passed()).as(type + " stamped at " + at + ": " + r.summary()).isTrue();
        assertThat(r.validationTime()).isEqualTo(at);
      }
    }
  }

  @Test
  void afterCertExpiryConsultsTheTimestampOnlyOnceTheChainExpired() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    TrustPolicyStatement st = new TrustPolicyStatement("t", List.of("*"), VerificationLevel.of("strict", null),
        TrustPolicyStatement.AFTER_CERT_EXPIRY, List.of("ca:acme", "tsa:acme"), true, List.of());
    byte[] plain = pki.jws(image.descriptor(), NotationTestPki.Options.x509(SIGNED));
    assertThat(verify(pki, st, SignatureEnvelope.JWS, plain, image.descriptor(), store, SOON).passed()).isTrue();
    assertThat(verify(pki, st, SignatureEnvelope.JWS, plain, image.descriptor(), store, LATER).failure())
        .isEqualTo(Check.AUTHENTIC_TIMESTAMP);
  }

  @Test
  void signingAuthorityUsesItsStoreAndTheAuthenticSigningTime() throws Exception {
    Path sa = pki.store(tmp, "signingAuthority", NotationTestPki.none());
    Path ca = pki.store(tmp, "ca", NotationTestPki.none());
    byte[] env = pki.cose(image.descriptor(), NotationTestPki.Options.x509(SIGNED).signingAuthority());
    NotationResult ok = verify(pki, statement("strict", null, "signingAuthority:acme"), SignatureEnvelope.COSE, env,
        image.descriptor(), sa, LATER);
    assertThat(ok.passed()).as(ok.summary()).isTrue();
    assertThat(ok.signingScheme()).isEqualTo(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY);
    assertThat(ok.authenticated()).isTrue();
    assertThat(ok.validationTime()).isEqualTo(SIGNED);
    NotationResult wrongType = verify(pki, statement("strict", null, "ca:acme"), SignatureEnvelope.COSE, env,
        image.descriptor(), ca, LATER);
    assertThat(wrongType.failure()).isEqualTo(Check.AUTHENTICITY);
    assertThat(wrongType.failureMessage()).contains("no signingAuthority: trust store");
    byte[] before = pki.jws(image.descriptor(), NotationTestPki.Options.x509(NotationTestPki.T0.minusSeconds(60)).signingAuthority());
    NotationResult early = verify(pki, statement("strict", null, "signingAuthority:acme"), SignatureEnvelope.JWS, before,
        image.descriptor(), sa, SOON);
    assertThat(early.failure()).isEqualTo(Check.AUTHENTIC_TIMESTAMP);
  }

  @Test
  void trustedIdentityMatchesSubjectAttributes() throws Exception {
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    byte[] env = pki.jws(image.descriptor(), NotationTestPki.Options.x509(SIGNED));
    TrustPolicyStatement ok = new TrustPolicyStatement("t", List.of("*"), VerificationLevel.of("strict", null), "always",
        List.of("ca:acme"), false, TrustPolicyDocument.identities(List.of("x509.subject: C=US, ST=WA, O=Acme, OU=CI"), ""));
    assertThat(verify(pki, ok, SignatureEnvelope.JWS, env, image.descriptor(), store, SOON).passed()).isTrue();
    TrustPolicyStatement other = new TrustPolicyStatement("t", List.of("*"), VerificationLevel.of("strict", null), "always",
        List.of("ca:acme"), false, TrustPolicyDocument.identities(List.of("x509.subject: C=US, ST=WA, O=Acme, OU=QA"), ""));
    NotationResult r = verify(pki, other, SignatureEnvelope.JWS, env, image.descriptor(), store, SOON);
    assertThat(r.failure()).isEqualTo(Check.TRUSTED_IDENTITY);
  }

  @Test
  void revocationFromOfflineCrls() throws Exception {
    NotationTestPki p = new NotationTestPki(true);
    byte[] env = p.jws(image.descriptor(), NotationTestPki.Options.x509(SIGNED));
    Instant from = NotationTestPki.T0.minusSeconds(3600);
    Instant to = NotationTestPki.T0.plusSeconds(86400 * 10);
    X509CRL rootCrl = NotationTestPki.crl(p.root, from, to);
    X509CRL intCrl = NotationTestPki.crl(p.intermediate, from, to);
    X509CRL intRevokesLeaf = NotationTestPki.crl(p.intermediate, from, to, p.leaf.cert());
    TrustPolicyStatement strict = statement("strict", null, "ca:acme");
    assertThat(verify(p, strict, SignatureEnvelope.JWS, env, image.descriptor(), p.store(tmp, "ca", List.of(rootCrl, intCrl)),
        SOON).passed()).isTrue();
    NotationResult revoked = verify(p, strict, SignatureEnvelope.JWS, env, image.descriptor(),
        p.store(tmp, "ca", List.of(rootCrl, intRevokesLeaf)), SOON);
    assertThat(revoked.failure()).isEqualTo(Check.REVOCATION);
    assertThat(revoked.failureMessage()).contains("is revoked");
    NotationResult unknown = verify(p, strict, SignatureEnvelope.JWS, env, image.descriptor(), p.store(tmp, "ca", List.of(rootCrl)),
        SOON);
    assertThat(unknown.failure()).isEqualTo(Check.REVOCATION);
    assertThat(unknown.failureMessage()).contains("unknown");
    NotationResult stale = verify(p, strict, SignatureEnvelope.JWS, env, image.descriptor(),
        p.store(tmp, "ca", List.of(rootCrl, intCrl)), NotationTestPki.T0.plusSeconds(86400 * 20));
    assertThat(stale.failure()).isEqualTo(Check.REVOCATION);
    assertThat(stale.failureMessage()).contains("not current");
    NotationResult logged = verify(p, statement("strict", Map.of("revocation", "log"), "ca:acme"), SignatureEnvelope.JWS, env,
        image.descriptor(), p.store(tmp, "ca", List.of(rootCrl, intRevokesLeaf)), SOON);
    assertThat(logged.passed()).isTrue();
    assertThat(logged.logged()).extracting(NotationResult.Outcome::check).containsExactly(Check.REVOCATION);
    NotationResult skipped = verify(p, statement("strict", Map.of("revocation", "skip"), "ca:acme"), SignatureEnvelope.JWS, env,
        image.descriptor(), p.store(tmp, "ca", List.of(rootCrl, intRevokesLeaf)), SOON);
    assertThat(skipped.passed()).isTrue();
    assertThat(skipped.checks().get(Check.REVOCATION.ordinal()).action()).isEqualTo(Action.SKIP);
    assertThat(skipped.checks().get(Check.REVOCATION.ordinal()).passed()).isNull();
  }

  @Test
  void aCoseSignedIndexInABundleVerifiesThroughTheCli() throws Exception {
    // COSE envelopes are binary: the verify pass must still keep them for the policy to read
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("cose-src"));
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.layer("a", "cose app"));
    RawManifest idx = TestImages.index(src, List.of(img), List.of(Platform.parse("linux/amd64")));
    TestImages.tag(src, idx, "v1");
    Instant now = Instant.now();
    NotationTestPki live = new NotationTestPki(false, now.minusSeconds(86400));
    byte[] cose = live.cose(idx.descriptor(), NotationTestPki.Options.x509(now.minusSeconds(60)));
    assertThat(cose[0] & 0xff).as("tag 18").isEqualTo(0xd2);
    assertThat(cose[1] & 0xff).as("array of four").isEqualTo(0x84);
    NotationTestPki.storeSignature(src, idx, SignatureEnvelope.COSE, cose);
    Files.writeString(tmp.resolve("cose.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: cose}
        spec:
          images:
            - layout: %s:v1
              name: registry.example/cose/app:v1
        """.formatted(tmp.resolve("cose-src")));
    Path bundle = tmp.resolve("cose.tar");
    var made = dev.airlock.testing.CommandResult.run("bundle", tmp.resolve("cose.yaml").toString(), "-o", bundle.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();
    Path store = live.store(tmp, "ca", NotationTestPki.none());
    Files.writeString(tmp.resolve("cose-policy.yaml"), """
        apiVersion: airlock.dev/v1
        images:
          - match: "registry.example/cose/**"
            rules:
              - notation: {trustStore: %s, trustStores: ["ca:acme"], identities: ["x509.subject: C=US, ST=WA, O=Acme, CN=builder"]}
        """.formatted(store));
    var r = dev.airlock.testing.CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy",
        tmp.resolve("cose-policy.yaml").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("notation COSE signature").contains("by 'C=US,ST=WA,O=Acme,OU=CI,CN=builder' (notary.x509) verified");
  }

  @Test
  void sharedCrlVectorsGiveTheReadmeResults() throws Exception {
    List<java.security.cert.X509Certificate> chain = TrustStore.parseCertificates(
        Files.readAllBytes(SharedTestData.notation("crl/certchain_with_crl.pem")), "chain");
    assertThat(chain).hasSize(3);
    Instant at = Instant.parse("2026-12-02T00:00:00Z");
    CrlRevocationChecker.check(chain, List.of(crl("leaf.crl"), crl("intermediate.crl")), at);
    assertThat(failure(chain, List.of(crl("leaf_revoked.crl"), crl("intermediate.crl")), at)).contains("is revoked")
        .contains("0x1000");
    assertThat(failure(chain, List.of(crl("leaf.crl"), crl("intermediate_revoked.crl")), at)).contains("is revoked")
        .contains("0x1002");
    assertThat(failure(chain, List.of(crl("leaf_expired.crl"), crl("intermediate.crl")), at)).contains("unknown")
        .contains("not signed by its key");
    assertThat(failure(chain, List.of(crl("intermediate.crl")), at)).contains("no CRL of its issuer is available offline");
  }

  private static X509CRL crl(String name) throws Exception {
    return TrustStore.parseCrls(Files.readAllBytes(SharedTestData.notation("crl/" + name)), name).get(0);
  }

  private static String failure(List<java.security.cert.X509Certificate> chain, List<X509CRL> crls, Instant at) {
    try {
      CrlRevocationChecker.check(chain, crls, at);
      return "passed";
    } catch (NotationCheckException e) {
      assertThat(e.check()).isEqualTo(Check.REVOCATION);
      return e.getMessage();
    }
  }

  private static byte[] swapTimestamp(byte[] jws, byte[] token) {
    var n = (com.fasterxml.jackson.databind.node.ObjectNode) dev.airlock.oci.Json.tree(jws, "jws");
    ((com.fasterxml.jackson.databind.node.ObjectNode) n.path("header")).put("io.cncf.notary.timestampSignature",
        java.util.Base64.getEncoder().encodeToString(token));
    return dev.airlock.oci.Json.write(n);
  }
}
