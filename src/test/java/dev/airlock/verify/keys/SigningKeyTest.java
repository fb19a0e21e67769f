package dev.airlock.verify.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.testing.SharedTestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SigningKeyTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @CsvSource({
    "rs_ecdsa_encrypted_private.key, 123, EC",
    "rs_ed25519_encrypted_private.key, 123, Ed25519",
    "rs_rsa_encrypted_private.key, 123, RSA",
    "rs_cosign_generated_encrypted_empty_private.key, '', EC",
    "cosign_pemcosignkey.key, hello, EC",
    "cosign_pemsigstorekey.key, hello, EC",
  })
  void sharedKeysLoadAndSign(String file, String password, String algorithm) throws Exception {
    SigningKey key = SigningKey.load(SharedTestData.sigstore("keys/" + file), password.toCharArray());
    assertThat(key.publicKey().getAlgorithm()).isIn(algorithm, "EdDSA");
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    assertThat(PublicKeys.verify(key.publicKey(), data, key.sign(data))).isTrue();
    assertThat(PublicKeys.verify(key.publicKey(), "other".getBytes(StandardCharsets.UTF_8), key.sign(data))).isFalse();
  }

  @Test
  void wrongPasswordFailsClearly() {
    Path f = SharedTestData.sigstore("keys/rs_ecdsa_encrypted_private.key");
    assertThatThrownBy(() -> SigningKey.load(f, "nope".toCharArray()))
        .isInstanceOf(dev.airlock.InvalidInputException.class)
        .hasMessageContaining("wrong password");
  }

  @Test
  void sec1PlaintextIsRefusedClearly() {
    Path f = SharedTestData.sigstore("keys/cosign_pemcosigneckey.key");
    assertThatThrownBy(() -> SigningKey.load(f, "hello".toCharArray()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("SEC1");
  }

  @Test
  void reEncryptingWithSameSaltAndNonceReproducesTheFile() throws Exception {
    Path file = SharedTestData.sigstore("keys/cosign_pemsigstorekey.key");
    String text = Files.readString(file);
    byte[] plain = EncryptedKeyFile.decrypt(text, "hello".toCharArray(), "k");
    var body = dev.airlock.oci.Json.tree(Pem.parse(text, "k").der(), "k");
    byte[] salt = java.util.Base64.getDecoder().decode(body.path("kdf").path("salt").asText());
    byte[] nonce = java.util.Base64.getDecoder().decode(body.path("cipher").path("nonce").asText());
    var params = body.path("kdf").path("params");
    String again = EncryptedKeyFile.encrypt(plain, "hello".toCharArray(), salt, nonce,
        params.path("N").asInt(), params.path("r").asInt(), params.path("p").asInt());
    assertThat(Pem.parse(again, "k").der()).isEqualTo(Pem.parse(text, "k").der());
  }

  @Test
  void generatedKeyReadsBack() throws Exception {
    SigningKey key = SigningKey.generate();
    Path f = tmp.resolve("cosign.key");
    Files.writeString(f, key.encryptedPem("pw".toCharArray()));
    assertThat(Files.readString(f)).startsWith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----");
    SigningKey back = SigningKey.load(f, "pw".toCharArray());
    assertThat(back.publicKey().getEncoded()).isEqualTo(key.publicKey().getEncoded());
    assertThat(PublicKeys.parsePem(key.publicKeyPem(), "pub").getEncoded()).isEqualTo(key.publicKey().getEncoded());
  }
}
