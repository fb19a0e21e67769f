package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private static final byte[] BLOB = "0123456789abcdefghij".repeat(100).getBytes(StandardCharsets.US_ASCII);
  private static final Digest DIGEST = Digest.sha256(BLOB);

  /** Reads in chunks of {@code chunk}, keeping what was handed out until a read throws. */
  private static byte[] readAll(InputStream in, int chunk, ByteArrayOutputStream got) throws IOException {
    byte[] buf = new byte[chunk];
    int n;
    while ((n = in.read(buf, 0, buf.length)) >= 0) {
      got.write(buf, 0, n);
    }
    return got.toByteArray();
  }

  @Test
  void aMatchingStreamIsReadWholeAndVerifiedAtItsEnd() throws IOException {
    VerifyingInputStream v = new VerifyingInputStream(new ByteArrayInputStream(BLOB), DIGEST, BLOB.length, "blob");
    assertThat(readAll(v, 64, new ByteArrayOutputStream())).isEqualTo(BLOB);
    assertThat(v.verified()).isTrue();
    assertThat(v.count()).isEqualTo(BLOB.length);
  }

  @Test
  void checkedBeforeLastChunkHandsOnAMatchingBlobWholeAndReadsNothingPastItsSize() throws IOException {
    byte[] longer = new byte[BLOB.length + 7];
    System.arraycopy(BLOB, 0, longer, 0, BLOB.length);
    ByteArrayInputStream under = new ByteArrayInputStream(longer);
    VerifyingInputStream v = VerifyingInputStream.checkedBeforeLastChunk(under, DIGEST, BLOB.length, "blob");
    assertThat(readAll(v, 300, new ByteArrayOutputStream())).isEqualTo(BLOB);
    assertThat(v.verified()).isTrue();
    assertThat(under.available()).as("bytes past the size stay unread").isEqualTo(7);
    assertThat(v.read()).isEqualTo(-1);
  }

  @Test
  void checkedBeforeLastChunkNeverHandsOnTheLastChunkOfAWrongBlob() {
    byte[] wrong = BLOB.clone();
    wrong[wrong.length - 1] ^= 1;
    List<String> seen = new ArrayList<>();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    VerifyingInputStream v = VerifyingInputStream.checkedBeforeLastChunk(new ByteArrayInputStream(wrong), DIGEST,
        BLOB.length, "blob x").onMismatch(e -> seen.add(e.getMessage()));
    assertThatThrownBy(() -> readAll(v, 300, got)).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("blob x digest").hasMessageContaining(DIGEST.toString());
    assertThat(got.size()).as("bytes handed on").isLessThan(BLOB.length).isEqualTo(BLOB.length / 300 * 300);
    assertThat(seen).hasSize(1).allMatch(m -> m.contains("blob x digest"));
  }

  @Test
  void checkedBeforeLastChunkChecksTheLastByteReadAlone() throws IOException {
    byte[] wrong = BLOB.clone();
    wrong[wrong.length - 1] ^= 1;
    VerifyingInputStream v = VerifyingInputStream.checkedBeforeLastChunk(new ByteArrayInputStream(wrong), DIGEST,
        BLOB.length, "blob");
    for (int i = 0; i < BLOB.length - 1; i++) {
      assertThat(v.read()).isEqualTo(wrong[i] & 0xff);
    }
    assertThatThrownBy(v::read).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void checkedBeforeLastChunkRefusesAStreamThatEndsEarly() {
    byte[] shorter = java.util.Arrays.copyOf(BLOB, BLOB.length - 10);
    VerifyingInputStream v = VerifyingInputStream.checkedBeforeLastChunk(new ByteArrayInputStream(shorter), DIGEST,
        BLOB.length, "blob");
    assertThatThrownBy(() -> readAll(v, 64, new ByteArrayOutputStream())).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("blob size").hasMessageContaining(BLOB.length + " bytes")
        .hasMessageContaining(shorter.length + " bytes");
  }

  @Test
  void skippingReadsAndHashesTheSkippedBytes() throws IOException {
    VerifyingInputStream v = VerifyingInputStream.checkedBeforeLastChunk(new ByteArrayInputStream(BLOB), DIGEST,
        BLOB.length, "blob");
    assertThat(v.skip(BLOB.length - 5)).isEqualTo(BLOB.length - 5);
    assertThat(v.markSupported()).isFalse();
    assertThat(v.readAllBytes()).hasSize(5);
    assertThat(v.verified()).isTrue();
  }

  @Test
  void theSizeMustBeKnownToCheckBeforeTheLastChunk() {
    assertThatThrownBy(() -> VerifyingInputStream.checkedBeforeLastChunk(new ByteArrayInputStream(BLOB), DIGEST, -1,
        "blob")).isInstanceOf(IllegalArgumentException.class);
  }
}
