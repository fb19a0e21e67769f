package dev.airlock.verify.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Public keys are read from PEM/DER by their algorithm OID, without Bouncy Castle. */
class PublicKeysTest {
  private static PublicKey generate(String alg, Object param) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
    if (param instanceof Integer bits) {
      g.initialize(bits);
    } else if (param != null) {
      g.initialize((ECGenParameterSpec) param);
    }
    return g.generateKeyPair().getPublic();
  }

  @Test
  void ecRsaAndEd25519KeysRoundTripThroughPem() throws Exception {
    for (PublicKey k : new PublicKey[] {generate("EC", new ECGenParameterSpec("secp256r1")),
        generate("EC", new ECGenParameterSpec("secp384r1")), generate("RSA", 2048), generate("Ed25519", null)}) {
      PublicKey back = PublicKeys.parsePem(PublicKeys.toPem(k), "test key");
      assertThat(back.getEncoded()).isEqualTo(k.getEncoded());
      assertThat(back.getAlgorithm()).isIn("EC", "RSA", "EdDSA", "Ed25519");
    }
  }

  @Test
  void algorithmOidsAreDecoded() throws Exception {
    assertThat(PublicKeys.algorithmOid(generate("EC", new ECGenParameterSpec("secp256r1")).getEncoded()))
        .isEqualTo("1.2.840.10045.2.1");
    assertThat(PublicKeys.algorithmOid(generate("RSA", 2048).getEncoded())).isEqualTo("1.2.840.113549.1.1.1");
    assertThat(PublicKeys.algorithmOid(generate("Ed25519", null).getEncoded())).isEqualTo("1.3.101.112");
  }

  @Test
  void anotherAlgorithmIsNamedByItsOid() throws Exception {
    byte[] dsa = generate("DSA", 2048).getEncoded();
    assertThatThrownBy(() -> PublicKeys.fromDer(dsa, "k.pub")).isInstanceOf(InvalidInputException.class)
        .hasMessage("k.pub: unsupported public key algorithm 1.2.840.10040.4.1");
  }

  @Test
  void malformedDerIsOneClearError() throws Exception {
    byte[] ec = generate("EC", new ECGenParameterSpec("secp256r1")).getEncoded();
    for (byte[] bad : new byte[][] {new byte[0], {0x30}, Arrays.copyOf(ec, ec.length - 1), Arrays.copyOf(ec, ec.length + 1),
        "not a key".getBytes(), Arrays.copyOf(ec, 12)}) {
      assertThatThrownBy(() -> PublicKeys.fromDer(bad, "k.pub")).isInstanceOf(InvalidInputException.class)
          .hasMessageStartingWith("k.pub is not a valid public key");
    }
  }
}
