package dev.airlock.verify.notation;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;

/**
 * Fuzzes the readers of Notation signature envelopes carried in a bundle (untrusted until verified): JWS
 * ({@code application/jose+json}) and COSE ({@code application/cose}), each input read as both, and the
 * signature check of what parses. Refused with {@link NotationCheckException}, whose category the report
 * shows, or with airlock's own errors.
 */
class NotationEnvelopeFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void signatureEnvelope(byte[] data) {
    for (String mediaType : new String[] {SignatureEnvelope.JWS, SignatureEnvelope.COSE}) {
      try {
        SignatureEnvelope env = SignatureEnvelope.parse(mediaType, data);
        env.leaf();
        env.envelopeName();
        env.verifySignature();
      } catch (NotationCheckException | AirlockException expected) {
        // refused with a reason
      }
    }
  }
}
