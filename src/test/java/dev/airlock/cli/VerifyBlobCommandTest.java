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
