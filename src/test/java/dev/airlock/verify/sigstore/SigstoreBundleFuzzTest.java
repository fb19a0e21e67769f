package dev.airlock.verify.sigstore;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.Fuzzing;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.PublicKeys;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;

/**
 * Fuzzes the Sigstore bundle parser on both of verify's paths: keyed (a DSSE envelope or a message
 * signature checked with a public key, then the in-toto statement) and keyless (sigstore-java's parser,
 * then airlock's own transparency-log rules against a test trusted root: entry bodies, inclusion proofs,
 * checkpoints); also the trusted root reader itself, which reads a carried TUF repository's file.
 */
class SigstoreBundleFuzzTest {
  private static final byte[] ARTIFACT = "artifact".getBytes(StandardCharsets.UTF_8);
  private static final Digest DIGEST = Digest.sha256(ARTIFACT);
  private static List<PublicKey> keys;
  private static TrustRoot root;

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void sigstoreBundle(byte[] data) throws Exception {
    setUp();
    try {
      SigstoreBundleVerifier.verifyKeyed(DIGEST, ARTIFACT, data, keys);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      TlogEntryRules.check(Json.tree(data, "Sigstore bundle"), java.util.HexFormat.of().parseHex(DIGEST.hex()), root,
          TestSigstore.INTEGRATED);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      Statement.parse(data, "DSSE payload");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      TrustRoot.of(data, "trusted_root.json", null);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
  }

  private static synchronized void setUp() throws Exception {
    if (keys == null) {
      // the committed inputs dsse-signed.json and message-signed.json are signed with this key's private half
      try (var in = SigstoreBundleFuzzTest.class.getResourceAsStream("SigstoreBundleFuzzTest-key.pub")) {
        keys = List.of(PublicKeys.parsePem(new String(in.readAllBytes(), StandardCharsets.US_ASCII), "fuzz key"));
      }
      root = TrustRoot.of(new TestSigstore("fuzz-fulcio").trustedRootJson(), "test trusted root", null);
    }
  }
}
