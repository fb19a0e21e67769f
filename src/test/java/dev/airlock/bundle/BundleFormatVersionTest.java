package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BundleFormatVersionTest {
  @Test
  void aRootWithoutTheAnnotationIsVersionOne() {
    assertThat(BundleFormat.formatVersion(null)).isEqualTo(1);
  }

  @Test
  void everyVersionFromTheOldestToTheCurrentIsRead() {
    for (int v = BundleFormat.OLDEST_READABLE_VERSION; v <= BundleFormat.NEWEST_READABLE_VERSION; v++) {
      assertThat(BundleFormat.formatVersion(Integer.toString(v))).isEqualTo(v);
    }
  }

  @Test
  void aNewerVersionIsRefusedWithWhatToDo() {
    assertThatThrownBy(() -> BundleFormat.formatVersion(Integer.toString(BundleFormat.NEWEST_READABLE_VERSION + 1)))
        .hasMessageContaining("is newer than this airlock reads").hasMessageContaining("use a newer airlock");
  }

  @Test
  void garbageAndZeroAreRefused() {
    assertThatThrownBy(() -> BundleFormat.formatVersion("two")).hasMessageContaining("is not a number");
    assertThatThrownBy(() -> BundleFormat.formatVersion("0")).hasMessageContaining("not a version airlock ever wrote");
  }
}
