package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.BundleSigner;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyBlobCommandTest {
  @TempDir Path tmp;

  @Test
  void keylessWithTrustedRootAndIdentity() {
    Path art = SharedTestData.sigstore("bundles/artifact.txt");
    String bundle = SharedTestData.sigstore("bundles/bundle.v3.sigstore").toString();
    String root = SharedTestData.sigstore("bundles/trusted_root.json").toString();
    CommandResult ok = CommandResult.run("verify-blob", art.toString(), "--bundle", bundle, "--trusted-root", root,
        "--certificate-identity", "appu@google.com", "--certificate-oidc-issuer", "https://accounts.google.com");
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("Verified OK");
    CommandResult bad = CommandResult.run("verify-blob", art.toString(), "--bundle", bundle, "--trusted-root", root,
        "--certificate-identity-regexp", "^nobody@.*", "--certificate-oidc-issuer", "https://accounts.google.com");
    assertThat(bad.exitCode()).isEqualTo(3);
    assertThat(bad.err()).startsWith("airlock: keyless verification failed");
  }

  @Test
  void keylessThroughTheTufSnapshotAtARecordedTime() {
    Path art = SharedTestData.sigstore("bundles/artifact.txt");
    String bundle = SharedTestData.sigstore("bundles/bundle.v3.sigstore").toString();
    String repo = SharedTestData.sigstore("tuf-repo").toString();
    String[] common = {"verify-blob", art.toString(), "--bundle", bundle, "--tuf-repo", repo,
        "--tuf-root", SharedTestData.sigstore("tuf-repo/10.root.json").toString(),
        "--certificate-identity", "appu@google.com", "--certificate-oidc-issuer", "https://accounts.google.com"};
    String[] at = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.stream.Stream.of("--at", "2026-08-22T00:00:00Z"))
        .toArray(String[]::new);
    assertThat(CommandResult.run(at).exitCode()).isZero();
    CommandResult today = CommandResult.run(common);
    assertThat(today.exitCode()).isEqualTo(3);
    assertThat(today.err()).contains("expired");
  }

  @Test
  void keyedBundleMadeByAirlock() throws Exception {
    SigningKey key = SigningKey.generate();
    Path art = tmp.resolve("a.txt");
    Files.writeString(art, "hello");
    Path pub = tmp.resolve("k.pub");
    Files.writeString(pub, key.publicKeyPem());
    byte[] statement = ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"a.txt\",\"digest\":{\"sha256\":\""
        + dev.airlock.oci.Digest.sha256("hello".getBytes()).hex() + "\"}}],\"predicateType\":\"x\",\"predicate\":{}}").getBytes();
    Path b = tmp.resolve("a.sigstore.json");
    Files.write(b, BundleSigner.sigstoreBundle(key, "application/vnd.in-toto+json", statement));
    assertThat(CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--key", pub.toString()).exitCode()).isZero();
    Files.writeString(art, "hellO");
    assertThat(CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--key", pub.toString()).exitCode()).isEqualTo(3);
  }

  /** A keyed message-signature bundle (v0.3) over {@code file}, signed while streaming it. */
  static byte[] messageSignatureBundle(SigningKey key, Path file) throws Exception {
    java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
    s.initSign(key.privateKey());
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        s.update(buf, 0, n);
        md.update(buf, 0, n);
      }
    }
    var b64 = java.util.Base64.getEncoder();
    return ("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":"
        + "{\"hint\":\"test\"}},\"messageSignature\":{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":\""
        + b64.encodeToString(md.digest()) + "\"},\"signature\":\"" + b64.encodeToString(s.sign()) + "\"}}").getBytes();
  }

  @Test
  void keyedMessageSignatureBundle() throws Exception {
    SigningKey key = SigningKey.generate();
    Path art = tmp.resolve("m.txt");
    Files.writeString(art, "message signed by a key");
    Path pub = tmp.resolve("m.pub");
    Files.writeString(pub, key.publicKeyPem());
    Path b = tmp.resolve("m.sigstore.json");
    Files.write(b, messageSignatureBundle(key, art));
    CommandResult ok = CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--key", pub.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains(dev.airlock.oci.Digest.sha256(Files.readAllBytes(art)).toString());
    Path other = tmp.resolve("other.pub");
    Files.writeString(other, SigningKey.generate().publicKeyPem());
    CommandResult otherKey = CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--key", other.toString());
    assertThat(otherKey.exitCode()).isEqualTo(3);
    assertThat(otherKey.err()).contains("does not verify");
    Files.writeString(art, "message signed by a kez");
    CommandResult tampered = CommandResult.run("verify-blob", art.toString(), "--bundle", b.toString(), "--key", pub.toString());
    assertThat(tampered.exitCode()).isEqualTo(3);
    assertThat(tampered.err()).contains("message digest does not match");
  }

  /** 100 MiB verified by a JVM with a 64 MiB heap: the file is streamed, never held in memory. */
  @Test
  void keyedMessageSignatureOverABigFileStreams() throws Exception {
    SigningKey key = SigningKey.generate();
    Path big = tmp.resolve("big.bin");
    byte[] block = new byte[1 << 20];
    new java.util.Random(7).nextBytes(block);
    try (var out = Files.newOutputStream(big)) {
      for (int i = 0; i < 100; i++) {
        block[0] = (byte) i;
        out.write(block);
      }
    }
    Path pub = tmp.resolve("big.pub");
    Files.writeString(pub, key.publicKeyPem());
    Path b = tmp.resolve("big.sigstore.json");
    Files.write(b, messageSignatureBundle(key, big));
    var r = ProcessRunner.run(ProcessRunner.airlockJvm("64m", "verify-blob", big.toString(), "--bundle", b.toString(),
        "--key", pub.toString()));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Verified OK");
  }

  @Test
  void keyGenerateWritesKeysThatLoad() throws Exception {
    Path prefix = tmp.resolve("mykey");
    var cmd = new java.util.ArrayList<>(java.util.List.of("env", "AIRLOCK_PASSWORD=s3cret"));
    cmd.addAll(ProcessRunner.airlockJvm("128m", "key", "generate", "--output-key-prefix", prefix.toString()));
    var r = ProcessRunner.run(cmd);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("Private key written");
    SigningKey k = SigningKey.load(tmp.resolve("mykey.key"), "s3cret".toCharArray());
    assertThat(Files.readString(tmp.resolve("mykey.pub"))).isEqualTo(k.publicKeyPem());
  }
}
