package dev.airlock.verify.notation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;

/**
 * Fuzzes the readers of a site's Notation trust material: the trust policy document
 * ({@link TrustPolicyDocument}, with the statement lookup verify does for a repository) and the
 * certificate and CRL files of a trust store ({@link TrustStore}, PEM or DER).
 */
class NotationTrustFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void trustPolicy(byte[] data) {
    try {
      TrustPolicyDocument doc = TrustPolicyDocument.parse(data, "trustpolicy.json");
      doc.statements();
      doc.statementFor("registry.example.test/wabbit-networks/net-monitor");
      doc.statementFor("example.test/team/app");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      TrustStore.parseCertificates(data, "trust store certificate");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      TrustStore.parseCrls(data, "trust store CRL");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
  }
}
