package dev.airlock.bundle;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;

/** Fuzzes the bundle spec reader (YAML or JSON from the user): a spec, or one line naming file and line. */
class SpecReaderFuzzTest {
  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void bundleSpec(byte[] data) {
    try {
      SpecReader.parse(data, "bundle.yaml");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
  }
}
