package dev.airlock.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SemverRangeTest {
  private static final List<String> VERSIONS = List.of("3.1.9", "3.2.0", "3.2.5", "3.2.10", "3.3.0-rc.1", "3.3.0",
      "v3.4.1", "4.0.0", "junk", "3.2.11-beta.1");

  private static String newest(String range) {
    return SemverRange.parse(range).newest(VERSIONS).map(Semver::toString).orElse(null);
  }

  @Test
  void newestMatchWins() {
    assertThat(newest(">=3.2.0 <3.3.0")).isEqualTo("3.2.10");
    assertThat(newest(">=3.2.0, <3.3.0")).isEqualTo("3.2.10");
    assertThat(newest("~3.2")).isEqualTo("3.2.10");
    assertThat(newest("^3.2.0")).isEqualTo("v3.4.1");
    assertThat(newest("3.2.x")).isEqualTo("3.2.10");
    assertThat(newest("3.2.5")).isEqualTo("3.2.5");
    assertThat(newest("*")).isEqualTo("4.0.0");
    assertThat(newest("<3.0.0 || >=3.3.0 <4")).isEqualTo("v3.4.1");
    assertThat(newest("3.1 - 3.2")).isEqualTo("3.2.10");
    assertThat(newest(">3.2.5 !=3.2.10 <3.3")).isNull();
    assertThat(newest(">=5.0.0")).isNull();
  }

  @Test
  void prereleasesOnlyWhenAskedFor() {
    assertThat(newest(">=3.3.0-0 <3.3.0")).isEqualTo("3.3.0-rc.1");
    assertThat(newest(">=3.2.11-0 <3.2.12")).isEqualTo("3.2.11-beta.1");
    assertThat(Semver.tryParse("1.0.0-alpha").compareTo(Semver.tryParse("1.0.0-alpha.1"))).isNegative();
    assertThat(Semver.tryParse("1.0.0-rc.2").compareTo(Semver.tryParse("1.0.0-rc.10"))).isNegative();
    assertThat(Semver.tryParse("1.0.0-rc.2").compareTo(Semver.tryParse("1.0.0"))).isNegative();
  }

  @Test
  void badRanges() {
    assertThatThrownBy(() -> SemverRange.parse(">=1.x.y")).hasMessageContaining("invalid version range");
    assertThatThrownBy(() -> SemverRange.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> SemverRange.parse(">=")).hasMessageContaining("invalid version range");
  }
}
