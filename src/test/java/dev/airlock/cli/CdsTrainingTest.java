package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** The build's class-data training run must keep working as the commands change (each must exit 0). */
class CdsTrainingTest {
  @Test
  void everyTrainingCommandSucceeds() {
    assertThatCode(() -> CdsTraining.main(new String[0])).doesNotThrowAnyException();
  }
}
