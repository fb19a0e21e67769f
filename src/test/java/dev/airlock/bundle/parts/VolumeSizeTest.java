package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import org.junit.jupiter.api.Test;

class VolumeSizeTest {
  @Test
  void suffixesAreDecimalOrBinaryAndPresetsAreDiscCapacities() {
    assertThat(VolumeSize.parse("4.7G")).isEqualTo(4_700_000_000L);
    assertThat(VolumeSize.parse("4.7GB")).isEqualTo(4_700_000_000L);
    assertThat(VolumeSize.parse("4GiB")).isEqualTo(4L << 30);
    assertThat(VolumeSize.parse("700M")).isEqualTo(700_000_000L);
    assertThat(VolumeSize.parse("256k")).isEqualTo(256_000L);
    assertThat(VolumeSize.parse("1T")).isEqualTo(1_000_000_000_000L);
    assertThat(VolumeSize.parse("1048576")).isEqualTo(1L << 20);
    assertThat(VolumeSize.parse("dvd")).isEqualTo(4_700_372_992L);
    assertThat(VolumeSize.parse("DVD-DL")).isEqualTo(8_543_666_176L);
    assertThat(VolumeSize.parse("bd25")).isEqualTo(25_025_314_816L);
    assertThat(VolumeSize.parse("bd50")).isEqualTo(50_050_629_632L);
  }

  @Test
  void nonsenseAndTooSmallAreOneLineErrors() {
    assertThatThrownBy(() -> VolumeSize.parse("big")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not a size").hasMessageContaining("dvd, dvd-dl, bd25, bd50");
    assertThatThrownBy(() -> VolumeSize.parse("4iB")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> VolumeSize.parse("1k")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("at least 65536 bytes");
    assertThatThrownBy(() -> VolumeSize.parse("99999999999T")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("too large");
  }
}
