package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.SharedTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real CRL vectors ({@code ../shared/testdata/notation/crl}, README "crl/") through the verifier's
 * revocation step, offline. No layout is signed with that chain, so the chain of
 * {@code certchain_with_crl.pem} is handed to the step directly; the CRLs come from a trust store
 * directory's {@code crl/} as an operator lays them out. Upstream serves the CRLs from
 * {@code localhost:10086} and refetches an expired one; offline nothing can be refetched, so an expired or
 * foreign-signed CRL leaves the status unknown, which fails like a revocation.
 */
class SharedCrlRevocationTest {
  private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
  @TempDir Path tmp;

  private static List<X509Certificate> chain() throws Exception {
    return TrustStore.parseCertificates(Files.readAllBytes(SharedTestData.notation("crl/certchain_with_crl.pem")), "chain");
  }

  /** A trust store directory: {@code x509/ca/crl/root.crt} plus {@code crl/} holding the named CRL files. */
  private TrustStore store(String... crls) throws Exception {
    Path root = Files.createTempDirectory(tmp, "store");
    Files.createDirectories(root.resolve("x509/ca/crl"));
    Files.copy(SharedTestData.notation("crl/root.crt"), root.resolve("x509/ca/crl/root.crt"));
    Files.createDirectories(root.resolve("crl"));
    for (String c : crls) {
      Files.copy(SharedTestData.notation("crl/" + c), root.resolve("crl/" + c));
    }
    TrustStore store = TrustStore.load(root);
    assertThat(store.crls()).hasSize(crls.length);
    return store;
  }

  private static TrustPolicyStatement statement(String level, Map<String, String> overrides) {
    return new TrustPolicyStatement("crl", List.of("*"), VerificationLevel.of(level, overrides), null,
        List.of("ca:crl"), true, List.of());
  }

  private NotationResult.Outcome revocation(TrustPolicyStatement st, Instant at, String... crls) throws Exception {
    return new NotationVerifier(store(crls), List.of(), at).revocation(st, chain());
  }

  @Test
  void theChainIsWhatTheReadmeSays() throws Exception {
    List<X509Certificate> chain = chain();
    assertThat(chain).hasSize(3);
    assertThat(chain.get(0).getSerialNumber().intValue()).isEqualTo(0x1000);
    assertThat(chain.get(1).getSerialNumber().intValue()).isEqualTo(0x1002);
    assertThat(CrlRevocationChecker.namesRevocationSource(chain.get(0))).isTrue();
    assertThat(CrlRevocationChecker.namesRevocationSource(chain.get(1))).isTrue();
    assertThat(CrlRevocationChecker.namesRevocationSource(chain.get(2))).as("the root names no CRL").isFalse();
  }

  @Test
  void goodCrlsPassUnderStrict() throws Exception {
    NotationResult.Outcome o = revocation(statement("strict", Map.of()), NOW, "leaf.crl", "intermediate.crl");
    assertThat(o.action()).isEqualTo(Action.ENFORCE);
    assertThat(o.passed()).as(o.detail()).isTrue();
    assertThat(o.detail()).contains("no certificate of the chain is revoked");
  }

  @Test
  void aRevokedLeafFailsUnderEnforceAndIsOnlyLoggedUnderLog() throws Exception {
    NotationResult.Outcome strict = revocation(statement("strict", Map.of()), NOW, "leaf_revoked.crl", "intermediate.crl");
    assertThat(strict.action()).isEqualTo(Action.ENFORCE);
    assertThat(strict.passed()).isFalse();
    assertThat(strict.detail()).contains("is revoked").contains("0x1000").contains("CN=LeafCert");
    for (TrustPolicyStatement logging : List.of(statement("permissive", Map.of()), statement("audit", Map.of()),
        statement("strict", Map.of("revocation", "log")))) {
      NotationResult.Outcome o = revocation(logging, NOW, "leaf_revoked.crl", "intermediate.crl");
      assertThat(o.action()).as(logging.level().toString()).isEqualTo(Action.LOG);
      assertThat(o.passed()).isFalse();
      assertThat(o.detail()).contains("is revoked");
    }
    NotationResult.Outcome skipped = revocation(statement("strict", Map.of("revocation", "skip")), NOW,
        "leaf_revoked.crl", "intermediate.crl");
    assertThat(skipped.action()).isEqualTo(Action.SKIP);
    assertThat(skipped.passed()).isNull();
  }

  @Test
  void aRevokedIntermediateFails() throws Exception {
    NotationResult.Outcome o = revocation(statement("strict", Map.of()), NOW, "leaf.crl", "intermediate_revoked.crl");
    assertThat(o.action()).isEqualTo(Action.ENFORCE);
    assertThat(o.passed()).isFalse();
    assertThat(o.detail()).contains("is revoked").contains("0x1002").contains("CN=IntermediateCA");
  }

  @Test
  void anExpiredOrForeignSignedCrlIsNotUsableOffline() throws Exception {
    // leaf_expired.crl names IntermediateCA but another key signed it (and its nextUpdate passed in 2023)
    NotationResult.Outcome o = revocation(statement("strict", Map.of()), NOW, "leaf_expired.crl", "intermediate.crl");
    assertThat(o.passed()).isFalse();
    assertThat(o.action()).isEqualTo(Action.ENFORCE);
    assertThat(o.detail()).contains("revocation status of certificate 'CN=LeafCert").contains("unknown")
        .contains("not signed by its key");
    // the good CRLs, properly signed, are no longer current after their nextUpdate: nothing can refetch them
    NotationResult.Outcome stale = revocation(statement("strict", Map.of()), Instant.parse("2124-10-19T00:00:00Z"),
        "leaf.crl", "intermediate.crl");
    assertThat(stale.passed()).isFalse();
    assertThat(stale.detail()).contains("unknown").contains("is not current").contains("2124-10-18T05:30:5");
    // nor before their thisUpdate
    NotationResult.Outcome early = revocation(statement("strict", Map.of()), Instant.parse("2024-11-01T00:00:00Z"),
        "leaf.crl", "intermediate.crl");
    assertThat(early.passed()).isFalse();
    assertThat(early.detail()).contains("is not current");
    // logged only, when the policy says so
    NotationResult.Outcome logged = revocation(statement("permissive", Map.of()), NOW, "leaf_expired.crl", "intermediate.crl");
    assertThat(logged.action()).isEqualTo(Action.LOG);
    assertThat(logged.passed()).isFalse();
  }

  @Test
  void aFreshCrlBesideTheExpiredOneCounts() throws Exception {
    // what upstream gets after refetching: the fresh CRL decides, good or revoked
    assertThat(revocation(statement("strict", Map.of()), NOW, "leaf_expired.crl", "leaf.crl", "intermediate.crl").passed())
        .isTrue();
    NotationResult.Outcome revoked = revocation(statement("strict", Map.of()), NOW, "leaf_expired.crl", "leaf_revoked.crl",
        "intermediate.crl");
    assertThat(revoked.passed()).isFalse();
    assertThat(revoked.detail()).contains("is revoked");
  }

  @Test
  void missingCrlsLeaveTheStatusUnknown() throws Exception {
    NotationResult.Outcome noLeafCrl = revocation(statement("strict", Map.of()), NOW, "intermediate.crl");
    assertThat(noLeafCrl.passed()).isFalse();
    assertThat(noLeafCrl.detail()).contains("CN=LeafCert").contains("no CRL of its issuer is available offline");
    NotationResult.Outcome noIntermediateCrl = revocation(statement("strict", Map.of()), NOW, "leaf.crl");
    assertThat(noIntermediateCrl.passed()).isFalse();
    assertThat(noIntermediateCrl.detail()).contains("CN=IntermediateCA").contains("no CRL of its issuer");
  }

  @Test
  void crlsCarriedBesideTheBundleCountAsTheStoresOwn() throws Exception {
    List<java.security.cert.X509CRL> carried = List.of(
        TrustStore.parseCrls(Files.readAllBytes(SharedTestData.notation("crl/leaf_revoked.crl")), "leaf_revoked.crl").get(0));
    NotationResult.Outcome o = new NotationVerifier(store("intermediate.crl"), carried, NOW)
        .revocation(statement("strict", Map.of()), chain());
    assertThat(o.passed()).isFalse();
    assertThat(o.detail()).contains("is revoked").contains("0x1000");
  }
}
