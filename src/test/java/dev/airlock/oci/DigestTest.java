package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;

class DigestTest {
  static final String HEX64 = "a".repeat(64);

  @Test
  void parsesSha256AndSha512() {
    Digest d = Digest.parse("sha256:" + HEX64);
    assertThat(d.algorithm()).isEqualTo(Digest.Algorithm.SHA256);
    assertThat(d.hex()).isEqualTo(HEX64);
    assertThat(d.blobPath()).isEqualTo("blobs/sha256/" + HEX64);
    assertThat(d.tagForm()).isEqualTo("sha256-" + HEX64);
    assertThat(d.shortForm()).isEqualTo("sha256:aaaaaaaaaaaa");
    Digest e = Digest.parse("sha512:" + "0".repeat(128));
    assertThat(e.algorithm()).isEqualTo(Digest.Algorithm.SHA512);
    assertThat(e.blobPath()).isEqualTo("blobs/sha512/" + "0".repeat(128));
  }

  @Test
  void hashesContentLikeSha256sum() {
    // printf 'hello' | sha256sum
    assertThat(Digest.sha256("hello".getBytes(StandardCharsets.UTF_8)).toString())
        .isEqualTo("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  }

  static java.util.stream.Stream<String> malformed() {
    return java.util.stream.Stream.of(
    "", "sha256", "sha256:", ":" + HEX64, "sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63),
    "sha256:" + "a".repeat(65), "sha256:" + "g".repeat(64), "SHA256:" + "a".repeat(64), "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha384:" + "a".repeat(96), "sha512:" + "a".repeat(64), "sha256:../../../../etc/passwd",
    "sha256:" + "a".repeat(60) + "/../", "../sha256:" + "a".repeat(64), "sha256:" + "a".repeat(63) + "\n",
    " sha256:" + "a".repeat(64), "sha256:/" + "a".repeat(63));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("malformed")
  void refusesAnythingElse(String s) {
    assertThatThrownBy(() -> Digest.parse(s)).isInstanceOf(InvalidInputException.class).hasMessageNotContaining("\n");
    assertThat(Digest.isValid(s)).isFalse();
  }

  @Test
  void errorNamesTheProblem() {
    assertThatThrownBy(() -> Digest.parse("sha1:abc")).hasMessageContaining("only sha256 and sha512");
    assertThatThrownBy(() -> Digest.parse("sha256:ABC")).hasMessageContaining("64 lowercase hex");
    assertThatThrownBy(() -> Digest.parse(null)).hasMessageContaining("missing");
    // control characters are not echoed back raw
    assertThatThrownBy(() -> Digest.parse("sha256:\u001b[31mred")).hasMessageNotContaining("\u001b");
  }

  @Test
  void equalityAndJson() {
    Digest a = Digest.parse("sha256:" + HEX64);
    assertThat(a).isEqualTo(Digest.sha256Hex(HEX64)).hasSameHashCodeAs(Digest.sha256Hex(HEX64));
    assertThat(Json.write(a)).isEqualTo(("\"sha256:" + HEX64 + "\"").getBytes(StandardCharsets.UTF_8));
    assertThat(Json.read(("\"sha256:" + HEX64 + "\"").getBytes(StandardCharsets.UTF_8), Digest.class, "x")).isEqualTo(a);
    assertThatThrownBy(() -> Json.read("\"sha256:../x\"".getBytes(StandardCharsets.UTF_8), Digest.class, "x"))
        .isInstanceOf(InvalidInputException.class);
  }
}
