package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CRL entry's invalidityDate against the signing time, and the certificateHold reason, as the Notary Project
 * trust store and trust policy specification ("Revocation Checking with CRL") says: a certificate listed
 * with an invalidity date after an authenticated (timestamped, or authenticSigningTime) signing time did not
 * revoke that signature; listed without one, or with no authenticated time, it did. A hold is a revocation
 * until a current delta CRL says removeFromCRL; an expired CRL still revokes for a permanent reason. Every
 * case runs through {@link NotationVerifier} with envelopes and CRLs made by {@link NotationTestPki}.
 */
class NotationCrlReasonsTest {
  static final Instant SIGNED = NotationTestPki.T0.plusSeconds(86400);
  /** Still within the leaf's life and the CRLs' currency. */
  static final Instant NOW = NotationTestPki.T0.plusSeconds(3 * 86400);
  static final int KEY_COMPROMISE = 1;
  static final int CERTIFICATE_HOLD = 6;
  static final int REMOVE_FROM_CRL = 8;

  @TempDir static Path tmp;
  static NotationTestPki pki;
  static Descriptor subject;
  static byte[] stamped;
  static byte[] plain;
  static byte[] signingAuthority;
  static X509CRL rootCrl;

  @BeforeAll
  static void setUp() throws Exception {
    pki = new NotationTestPki(true);
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    RawManifest image = TestImages.image(layout, Platform.parse("linux/amd64"), TestImages.layer("a", "app"));
    subject = image.descriptor();
    stamped = pki.jws(subject, NotationTestPki.Options.x509(SIGNED).timestamped(SIGNED));
    plain = pki.jws(subject, NotationTestPki.Options.x509(SIGNED));
    signingAuthority = pki.jws(subject, NotationTestPki.Options.x509(SIGNED).signingAuthority());
    rootCrl = NotationTestPki.crl(pki.root, from(), to());
  }

  static Instant from() {
    return NotationTestPki.T0.minusSeconds(3600);
  }

  static Instant to() {
    return NotationTestPki.T0.plusSeconds(10 * 86400);
  }

  private static NotationResult verify(byte[] envelope, String type, X509CRL... intermediateCrls) throws Exception {
    return verify(envelope, type, List.of(type + ":acme", "tsa:acme"), intermediateCrls);
  }

  private static NotationResult verify(byte[] envelope, String type, List<String> stores, X509CRL... intermediateCrls)
      throws Exception {
    List<X509CRL> crls = new ArrayList<>(List.of(rootCrl));
    crls.addAll(List.of(intermediateCrls));
    TrustPolicyStatement st = new TrustPolicyStatement("t", List.of("*"), VerificationLevel.of("strict", null),
        TrustPolicyStatement.ALWAYS, stores, true, List.of());
    return new NotationVerifier(TrustStore.load(pki.store(tmp, type, crls)), List.of(), NOW)
        .verify(st, "sig", SignatureEnvelope.JWS, envelope, subject);
  }

  private static X509CRL leafCrl(boolean delta, int reason, Instant invalidSince) throws Exception {
    return NotationTestPki.crl(pki.intermediate, from(), to(), delta, new NotationTestPki.Revoked(pki.leaf.cert(), reason,
        invalidSince));
  }

  private static X509CRL emptyLeafCrl() throws Exception {
    return NotationTestPki.crl(pki.intermediate, from(), to(), false);
  }

  @Test
  void anInvalidityDateAfterTheTimestampDoesNotRevokeThatSignature() throws Exception {
    X509CRL later = leafCrl(false, KEY_COMPROMISE, SIGNED.plusSeconds(3600));
    NotationResult r = verify(stamped, "ca", later);
    assertThat(r.passed()).as(r.summary()).isTrue();
    assertThat(r.authenticated()).isTrue();
    // the timestamp's upper limit (genTime + 1 s accuracy) must be before the invalidity date
    NotationResult justAfter = verify(stamped, "ca", leafCrl(false, KEY_COMPROMISE, SIGNED.plusMillis(500)));
    assertThat(justAfter.failure()).isEqualTo(Check.REVOCATION);
    // the key was already compromised when the signature was stamped
    NotationResult before = verify(stamped, "ca", leafCrl(false, KEY_COMPROMISE, SIGNED.minusSeconds(3600)));
    assertThat(before.passed()).isFalse();
    assertThat(before.failure()).isEqualTo(Check.REVOCATION);
    assertThat(before.failureMessage()).contains("is revoked").contains("KEY_COMPROMISE")
        .contains("invalid since " + SIGNED.minusSeconds(3600));
  }

  @Test
  void withoutAnInvalidityDateOrAnAuthenticatedTimeAListedCertificateIsRevoked() throws Exception {
    NotationResult noDate = verify(stamped, "ca", leafCrl(false, KEY_COMPROMISE, null));
    assertThat(noDate.failure()).isEqualTo(Check.REVOCATION);
    assertThat(noDate.failureMessage()).contains("is revoked");
    // the signingTime of an untimestamped notary.x509 signature is the signer's claim, not an authenticated time
    NotationResult unstamped = verify(plain, "ca", List.of("ca:acme"), leafCrl(false, KEY_COMPROMISE, SIGNED.plusSeconds(3600)));
    assertThat(unstamped.authenticated()).isFalse();
    assertThat(unstamped.failure()).isEqualTo(Check.REVOCATION);
    assertThat(unstamped.failureMessage()).contains("is revoked");
  }

  @Test
  void theAuthenticSigningTimeOfTheSigningAuthoritySchemeCountsLikeATimestamp() throws Exception {
    NotationResult after = verify(signingAuthority, "signingAuthority", leafCrl(false, KEY_COMPROMISE, SIGNED.plusSeconds(60)));
    assertThat(after.passed()).as(after.summary()).isTrue();
    NotationResult before = verify(signingAuthority, "signingAuthority", leafCrl(false, KEY_COMPROMISE, SIGNED.minusSeconds(60)));
    assertThat(before.failure()).isEqualTo(Check.REVOCATION);
  }

  @Test
  void aCertificateOnHoldIsRevokedUntilADeltaCrlRemovesIt() throws Exception {
    NotationResult held = verify(stamped, "ca", leafCrl(false, CERTIFICATE_HOLD, null));
    assertThat(held.failure()).isEqualTo(Check.REVOCATION);
    assertThat(held.failureMessage()).contains("is on hold, so revoked").contains(CRLReason.CERTIFICATE_HOLD.name());
    NotationResult released = verify(stamped, "ca", leafCrl(false, CERTIFICATE_HOLD, null),
        leafCrl(true, REMOVE_FROM_CRL, null));
    assertThat(released.passed()).as(released.summary()).isTrue();
    // a delta CRL that puts it on hold revokes it too; a delta that revokes it for good as well
    NotationResult heldByDelta = verify(stamped, "ca", emptyLeafCrl(), leafCrl(true, CERTIFICATE_HOLD, null));
    assertThat(heldByDelta.failure()).isEqualTo(Check.REVOCATION);
    assertThat(heldByDelta.failureMessage()).contains("on hold");
    NotationResult revokedByDelta = verify(stamped, "ca", emptyLeafCrl(), leafCrl(true, KEY_COMPROMISE, null));
    assertThat(revokedByDelta.failureMessage()).contains("is revoked (delta CRL)");
    // a delta CRL that has expired releases nothing
    X509CRL staleDelta = NotationTestPki.crl(pki.intermediate, from(), NotationTestPki.T0.plusSeconds(86400), true,
        new NotationTestPki.Revoked(pki.leaf.cert(), REMOVE_FROM_CRL, null));
    NotationResult stillHeld = verify(stamped, "ca", leafCrl(false, CERTIFICATE_HOLD, null), staleDelta);
    assertThat(stillHeld.failure()).isEqualTo(Check.REVOCATION);
  }

  @Test
  void anExpiredCrlStillRevokesForAPermanentReasonButAHoldInItIsUnknown() throws Exception {
    Instant expired = NotationTestPki.T0.plusSeconds(86400);
    X509CRL revokedExpired = NotationTestPki.crl(pki.intermediate, from(), expired, false,
        new NotationTestPki.Revoked(pki.leaf.cert(), KEY_COMPROMISE, null));
    NotationResult r = verify(stamped, "ca", revokedExpired);
    assertThat(r.failure()).isEqualTo(Check.REVOCATION);
    assertThat(r.failureMessage()).contains("is revoked").doesNotContain("unknown");
    X509CRL heldExpired = NotationTestPki.crl(pki.intermediate, from(), expired, false,
        new NotationTestPki.Revoked(pki.leaf.cert(), CERTIFICATE_HOLD, null));
    NotationResult hold = verify(stamped, "ca", heldExpired);
    assertThat(hold.failure()).isEqualTo(Check.REVOCATION);
    assertThat(hold.failureMessage()).contains("unknown").contains("not current").contains("on hold");
  }

  /**
   * The shared README's CRL table through {@code airlock verify}, with a chain of the same shape made here (its
   * leaf and intermediate name CRL distribution points; the shared chain's key is not there to sign with):
   * good CRLs pass; a CRL revoking the leaf or the intermediate, an expired CRL, a CRL signed by another key,
   * or none fail (exit 3, revocation), an expired CRL beside a fresh one leaves the fresh one to decide.
   */
  @Test
  void theCrlTableThroughAirlockVerify() throws Exception {
    Instant now = Instant.now();
    NotationTestPki live = new NotationTestPki(true, now.minusSeconds(86400));
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("crl-src"));
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.layer("a", "crl app"));
    TestImages.tag(src, img, "v1");
    NotationTestPki.storeSignature(src, img, SignatureEnvelope.JWS,
        live.jws(img.descriptor(), NotationTestPki.Options.x509(now.minusSeconds(600))));
    java.nio.file.Files.writeString(tmp.resolve("crl.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: crl}
        spec:
          images:
            - layout: %s:v1
              name: registry.example/crl/app:v1
        """.formatted(tmp.resolve("crl-src")));
    Path bundle = tmp.resolve("crl.tar");
    var made = dev.airlock.testing.CommandResult.run("bundle", tmp.resolve("crl.yaml").toString(), "-o", bundle.toString());
    assertThat(made.exitCode()).as(made.err()).isZero();
    Instant from = now.minusSeconds(7200);
    Instant to = now.plusSeconds(10 * 86400);
    X509CRL leafGood = NotationTestPki.crl(live.intermediate, from, to);
    X509CRL leafRevoked = NotationTestPki.crl(live.intermediate, from, to, live.leaf.cert());
    X509CRL intGood = NotationTestPki.crl(live.root, from, to);
    X509CRL intRevoked = NotationTestPki.crl(live.root, from, to, live.intermediate.cert());
    X509CRL leafExpired = NotationTestPki.crl(live.intermediate, from, now.minusSeconds(3600));
    X509CRL otherKey = NotationTestPki.crl(new NotationTestPki.Cert(live.intermediate.cert(), live.leaf.key()), from, to);
    record Row(String name, List<X509CRL> crls, String expected) {}
    List<Row> rows = List.of(
        new Row("leaf.crl + intermediate.crl", List.of(leafGood, intGood), "pass"),
        new Row("leaf_revoked.crl", List.of(leafRevoked, intGood), "is revoked"),
        new Row("intermediate_revoked.crl", List.of(leafGood, intRevoked), "is revoked"),
        new Row("leaf_expired.crl", List.of(leafExpired, intGood), "is not current"),
        new Row("signed by another key", List.of(otherKey, intGood), "is not signed by its key"),
        new Row("no leaf CRL", List.of(intGood), "no CRL of its issuer is available offline"),
        new Row("leaf_expired.crl + leaf.crl", List.of(leafExpired, leafGood, intGood), "pass"));
    List<String> mismatches = new ArrayList<>();
    for (Row row : rows) {
      Path store = live.store(tmp, "ca", row.crls());
      Path policy = tmp.resolve("crl-policy-" + System.nanoTime() + ".yaml");
      java.nio.file.Files.writeString(policy, """
          apiVersion: airlock.dev/v1
          images:
            - match: "registry.example/crl/**"
              rules:
                - notation: {trustStore: %s, trustStores: ["ca:acme"], identities: ["x509.subject: C=US, ST=WA, O=Acme, CN=builder"]}
          """.formatted(store));
      var r = dev.airlock.testing.CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy", policy.toString());
      boolean ok = row.expected().equals("pass")
          ? r.exitCode() == 0
          : r.exitCode() == 3 && r.err().contains("revocation failed") && (r.out() + r.err()).contains(row.expected());
      if (!ok) {
        mismatches.add(row.name() + ": want " + row.expected() + ", got exit " + r.exitCode() + ": " + r.err().strip());
      }
    }
    assertThat(mismatches).isEmpty();
  }

  /**
   * CRLs carried in the bundle: an OCI artifact of artifactType {@code application/pkix-crl} (its layers the DER CRLs)
   * bundled beside a Notation-signed image, verified with a trust store that has no {@code crl/} directory. Carried
   * good CRLs pass; a carried CRL listing the leaf fails revocation; without the artifact the status is unknown and it
   * fails too. The CRL artifact is matched by the policy's pattern but not evaluated as an image. The same through
   * {@code import} into an OCI layout: revoked exit 3 and nothing written, good CRLs imported.
   */
  @Test
  void crlsCarriedInTheBundleAsAnArtifactCountForRevocation() throws Exception {
    Instant now = Instant.now();
    NotationTestPki live = new NotationTestPki(true, now.minusSeconds(86400));
    Path dir = tmp.resolve("carried-" + System.nanoTime());
    LayoutStore src = LayoutStore.openOrCreate(dir.resolve("src"));
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.layer("a", "carried crl app"));
    TestImages.tag(src, img, "v1");
    NotationTestPki.storeSignature(src, img, SignatureEnvelope.JWS,
        live.jws(img.descriptor(), NotationTestPki.Options.x509(now.minusSeconds(600))));
    Instant from = now.minusSeconds(7200);
    Instant to = now.plusSeconds(10 * 86400);
    X509CRL leafGood = NotationTestPki.crl(live.intermediate, from, to);
    X509CRL leafRevoked = NotationTestPki.crl(live.intermediate, from, to, live.leaf.cert());
    X509CRL intGood = NotationTestPki.crl(live.root, from, to);
    Path store = live.store(dir, "ca", List.of());
    assertThat(store.resolve("crl")).doesNotExist();
    Path policy = dir.resolve("policy.yaml");
    java.nio.file.Files.writeString(policy, """
        apiVersion: airlock.dev/v1
        images:
          - match: "registry.example/carried/**"
            rules:
              - notation: {trustStore: %s, trustStores: ["ca:acme"], identities: ["x509.subject: C=US, ST=WA, O=Acme, CN=builder"]}
        """.formatted(store));
    record Case(String name, List<X509CRL> carried, String expected) {}
    for (Case c : List.of(new Case("good", List.of(leafGood, intGood), "pass"),
        new Case("revoked", List.of(leafRevoked, intGood), "is revoked"),
        new Case("none", null, "no CRL of its issuer is available offline"))) {
      String crlEntry = "";
      if (c.carried() != null) {
        LayoutStore crls = LayoutStore.openOrCreate(dir.resolve("crls-" + c.name()));
        var empty = crls.putBytes(dev.airlock.oci.MediaTypes.OCI_EMPTY, TestImages.utf8("{}"));
        List<dev.airlock.oci.Descriptor> layers = new ArrayList<>();
        for (X509CRL crl : c.carried()) {
          layers.add(crls.putBytes(CarriedCrls.MEDIA_TYPE, crl.getEncoded()));
        }
        TestImages.store(crls, TestImages.manifest(CarriedCrls.MEDIA_TYPE, empty, layers, null), "current");
        crlEntry = "    - layout: " + dir.resolve("crls-" + c.name()) + ":current\n      name: registry.example/carried/crls:current\n";
      }
      Path spec = dir.resolve(c.name() + ".yaml");
      java.nio.file.Files.writeString(spec, """
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: carried}
          spec:
            images:
              - layout: %s:v1
                name: registry.example/carried/app:v1
          """.formatted(dir.resolve("src")) + crlEntry);
      Path bundle = dir.resolve(c.name() + ".tar");
      var made = dev.airlock.testing.CommandResult.run("bundle", spec.toString(), "-o", bundle.toString());
      assertThat(made.exitCode()).as(made.err()).isZero();
      var r = dev.airlock.testing.CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy", policy.toString());
      Path target = dir.resolve("imported-" + c.name());
      var imp = dev.airlock.testing.CommandResult.run("import", bundle.toString(), "--to", "oci:" + target, "--allow-unsigned",
          "--policy", policy.toString());
      if (c.expected().equals("pass")) {
        assertThat(r.exitCode()).as(c.name() + ": " + r.out() + r.err()).isZero();
        assertThat(r.out()).contains("registry.example/carried/app:v1").doesNotContain("registry.example/carried/crls");
        assertThat(imp.exitCode()).as(c.name() + ": " + imp.out() + imp.err()).isZero();
        assertThat(target.resolve("index.json")).exists();
      } else {
        assertThat(r.exitCode()).as(c.name() + ": " + r.out() + r.err()).isEqualTo(3);
        assertThat(r.err()).contains("revocation failed");
        assertThat(r.out() + r.err()).contains(c.expected());
        assertThat(imp.exitCode()).as(c.name() + ": " + imp.out() + imp.err()).isEqualTo(3);
        assertThat(target.resolve("index.json")).as("nothing imported").doesNotExist();
      }
    }
  }
}
