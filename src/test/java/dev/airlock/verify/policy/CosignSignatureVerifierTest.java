package dev.airlock.verify.policy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.PublicKeys;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class CosignSignatureVerifierTest {
  private static final Digest IMAGE = Digest.parse("sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b");

  @Test
  void keyedSimpleSigningVectorVerifiesAndFailsTampered() throws Exception {
    byte[] payload = Files.readAllBytes(SharedTestData.sigstore("keyed-simplesigning/payload.json"));
    String sig = Files.readString(SharedTestData.sigstore("keyed-simplesigning/signature.b64")).trim();
    var key = List.of(PublicKeys.load(SharedTestData.sigstore("keyed-simplesigning/cosign.pub")));
    CosignSignatureVerifier.verifyKeyed(payload, sig, IMAGE, key);

    byte[] tampered = payload.clone();
    tampered[tampered.length - 3] ^= 1;
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyed(tampered, sig, IMAGE, key))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not verify");
    Digest other = Digest.sha256(new byte[] {1});
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyed(payload, sig, other, key))
        .isInstanceOf(VerificationException.class).hasMessageContaining("names");
    var otherKey = List.of(dev.airlock.verify.keys.SigningKey.generate().publicKey());
    assertThatThrownBy(() -> CosignSignatureVerifier.verifyKeyed(payload, sig, IMAGE, otherKey))
        .isInstanceOf(VerificationException.class);
  }
}
