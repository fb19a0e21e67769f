package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "linux/amd64, linux/amd64",
    "linux/x86_64, linux/amd64",
    "linux/x86-64, linux/amd64",
    "linux/amd64/v1, linux/amd64",
    "linux/amd64/v3, linux/amd64/v3",
    "linux/arm64, linux/arm64/v8",
    "linux/arm64/v8, linux/arm64/v8",
    "linux/arm64/8, linux/arm64/v8",
    "linux/aarch64, linux/arm64/v8",
    "linux/arm, linux/arm/v7",
    "linux/arm/v6, linux/arm/v6",
    "linux/arm/7, linux/arm/v7",
    "linux/armhf, linux/arm/v7",
    "linux/armel, linux/arm/v6",
    "linux/i386, linux/386",
    "Linux/AMD64, linux/amd64",
    "macos/arm64, darwin/arm64/v8",
    "windows/amd64, windows/amd64",
    "linux/s390x, linux/s390x",
  })
  void normalises(String in, String normal) {
    assertThat(Platform.parse(in).normalized().toString()).isEqualTo(normal);
  }

  @Test
  void matcher() {
    Platform arm64 = Platform.of("linux", "arm64", null);
    assertThat(Platform.parse("linux/arm64").matches(arm64)).isTrue();
    assertThat(Platform.parse("linux/arm64/v8").matches(arm64)).isTrue();
    assertThat(Platform.parse("linux/aarch64").matches(Platform.of("linux", "arm64", "v8"))).isTrue();
    assertThat(Platform.parse("linux/amd64").matches(Platform.of("linux", "x86_64", null))).isTrue();
    assertThat(Platform.parse("linux/arm").matches(Platform.of("linux", "arm", "v7"))).isTrue();
    assertThat(Platform.parse("linux/arm").matches(Platform.of("linux", "arm", "v6"))).isFalse();
    assertThat(Platform.parse("linux/arm/v6").matches(Platform.of("linux", "arm", "v6"))).isTrue();
    assertThat(Platform.parse("linux/amd64").matches(arm64)).isFalse();
    assertThat(Platform.parse("windows/amd64").matches(Platform.of("linux", "amd64", null))).isFalse();
    assertThat(Platform.parse("linux/amd64").matches(null)).isFalse();
    assertThat(Platform.parse("linux/amd64").matches(Platform.of("unknown", "unknown", null))).isFalse();
    Platform win = new Platform("amd64", "windows", "10.0.17763.1", null, null);
    assertThat(Platform.parse("windows/amd64").matches(win)).isTrue();
    assertThat(new Platform("amd64", "windows", "10.0.20348.1", null, null).matches(win)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "linux/amd 64", "linux//v8"})
  void refusesMalformed(String s) {
    assertThatThrownBy(() -> Platform.parse(s)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("os/arch");
  }

  @Test
  void readsOciJsonWithOsVersionAndFeatures() {
    byte[] json = "{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0\",\"os.features\":[\"win32k\"],\"x\":1}"
        .getBytes(StandardCharsets.UTF_8);
    Platform p = Json.read(json, Platform.class, "platform");
    assertThat(p.osVersion()).isEqualTo("10.0");
    assertThat(p.osFeatures()).containsExactly("win32k");
    assertThat(p.toString()).isEqualTo("windows/amd64");
    assertThat(Platform.of("linux", "arm", "v7").toString()).isEqualTo("linux/arm/v7");
  }
}
