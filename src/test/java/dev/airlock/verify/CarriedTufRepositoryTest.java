package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Sigstore TUF snapshot carried inside the bundle (metadata layer), walked from sigstore-java's root. */
class CarriedTufRepositoryTest {
  static final Instant TODAY = Instant.parse("2026-11-23T12:00:00Z");
  static final Instant RECORDED = Instant.parse("2026-08-22T00:00:00Z");
  static SigningKey bundleKey;
  static SigningKey imageKey;
  static Policy policy;
  @TempDir static Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    bundleKey = SigningKey.generate();
    imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    // no trust section: the trust root must come from the bundle itself
    Path p = tmp.resolve("policy.yaml");
    Files.writeString(p, "apiVersion: airlock.dev/v1\nimages:\n- match: 'example.test/**'\n  require: any\n  rules:\n"
        + "  - signedBy: [image.pub]\n  - keyless: {identity: someone@example.com, issuer: https://accounts.google.com}\n");
    policy = Policy.load(p);
  }

  private static VerificationReport verify(Path bundle) throws Exception {
    return OfflineVerifier.verify(bundle, VerifyOptions.withKeys(java.util.List.of(bundleKey.publicKey()))
        .withClock(Clock.fixed(TODAY, ZoneOffset.UTC)).withPolicy(policy, tmp));
  }

  private static byte[] archive(Path repo) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TufRepoArchive.write(repo, out);
    return out.toByteArray();
  }

  private static VerificationReport.Check trustCheck(VerificationReport r) {
    return r.checks().stream().filter(c -> c.name().equals("trust root")).findFirst().orElseThrow();
  }

  @Test
  void carriedSnapshotVerifiesAtTheRecordedTimeAndExpiresNow() throws Exception {
    byte[] tar = archive(SharedTestData.sigstore("tuf-repo"));
    VerificationReport ok = verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED, tar));
    assertThat(ok.firstFailure()).isNull();
    assertThat(trustCheck(ok).passed()).isTrue();
    assertThat(trustCheck(ok).detail()).contains("carried in the bundle").contains("2026-08-22");

    VerificationReport expired = verify(TestBundle.build(tmp, bundleKey, imageKey, TODAY, tar));
    assertThat(expired.passed()).isFalse();
    assertThat(trustCheck(expired).passed()).isFalse();
    assertThat(trustCheck(expired).detail()).contains("expired");
  }

  @Test
  void tamperedFileInTheCarriedSnapshotFails() throws Exception {
    Path copy = tmp.resolve("tampered-repo");
    Path src = SharedTestData.sigstore("tuf-repo");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path to = copy.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    // extend the timestamp's expiry: the signature no longer covers it
    Path ts = copy.resolve("timestamp.json");
    String json = Files.readString(ts, StandardCharsets.UTF_8);
    assertThat(json).contains("2026-08-28T19:25:56Z");
    ts.toFile().setWritable(true);
    Files.writeString(ts, json.replace("2026-08-28T19:25:56Z", "2036-08-28T19:25:56Z"));
    VerificationReport r = verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED, archive(copy)));
    assertThat(r.passed()).isFalse();
    assertThat(trustCheck(r).passed()).isFalse();
    assertThat(trustCheck(r).detail()).contains("does not verify").doesNotContain("expired");
  }

  @Test
  void aTufLayerThatIsNotATufArchiveFailsIntegrity() throws Exception {
    byte[] notTar = "this is not a TUF repository archive".getBytes(StandardCharsets.UTF_8);
    VerificationReport r = verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED, notTar));
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains("integrity").contains("not a TUF repository archive");
  }

  @Test
  void withoutACarriedSnapshotKeylessRulesSayWhatIsMissing() throws Exception {
    VerificationReport r = verify(TestBundle.build(tmp, bundleKey, imageKey, RECORDED, null));
    assertThat(trustCheck(r).passed()).isFalse();
    assertThat(trustCheck(r).detail()).contains("carries no TUF repository");
  }
}
