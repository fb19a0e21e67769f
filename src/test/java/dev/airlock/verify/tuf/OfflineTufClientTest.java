package dev.airlock.verify.tuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.testing.SharedTestData;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OfflineTufClientTest {
  private static final String TRUSTED_ROOT_SHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";

  @Test
  void snapshotVerifiesAtARecordedTimeFromTheEmbeddedRoot() throws Exception {
    Path repo = SharedTestData.sigstore("tuf-repo");
    byte[] root = OfflineTufClient.trustedRoot(repo, null, Instant.parse("2026-08-22T00:00:00Z"));
    assertThat(Digest.sha256(root).hex()).isEqualTo(TRUSTED_ROOT_SHA256);
  }

  @Test
  void snapshotFailsAsExpiredToday() {
    Path repo = SharedTestData.sigstore("tuf-repo");
    assertThatThrownBy(() -> OfflineTufClient.trustedRoot(repo, null, Instant.parse("2026-11-23T00:00:00Z")))
        .isInstanceOf(VerificationException.class)
        .hasMessageContaining("expired");
  }

  @Test
  void aPinnedLaterRootIsAccepted() throws Exception {
    Path repo = SharedTestData.sigstore("tuf-repo");
    byte[] root = OfflineTufClient.trustedRoot(repo, repo.resolve("14.root.json"), Instant.parse("2026-08-22T00:00:00Z"));
    assertThat(Digest.sha256(root).hex()).isEqualTo(TRUSTED_ROOT_SHA256);
  }
}
