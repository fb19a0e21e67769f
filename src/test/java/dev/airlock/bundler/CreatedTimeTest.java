package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CreatedTimeTest {
  @Test
  void sourceDateEpochSetsTheCreationTime() {
    assertThat(Bundler.createdFromEnvironment("1767225600")).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(Bundler.createdFromEnvironment(null).getNano()).isZero();
    assertThatThrownBy(() -> Bundler.createdFromEnvironment("yesterday")).hasMessageContaining("SOURCE_DATE_EPOCH");
  }

  @Test
  void outputsBesideTheBundle() {
    java.nio.file.Path out = java.nio.file.Path.of("/data/b.tar.zst");
    assertThat(Bundler.defaultWorkDir(out)).isEqualTo(java.nio.file.Path.of("/data/b.tar.zst.work"));
    assertThat(Bundler.catalogFor(out)).isEqualTo(java.nio.file.Path.of("/data/b.tar.zst.catalog.db"));
    assertThat(Bundler.lockFileFor(out)).isEqualTo(java.nio.file.Path.of("/data/b.tar.zst.lock.yaml"));
  }
}
