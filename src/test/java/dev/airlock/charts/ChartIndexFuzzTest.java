package dev.airlock.charts;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;

/** Fuzzes the reader of a Helm repository's index.yaml, as a bundle reads it from a chart repository. */
class ChartIndexFuzzTest {
  private static final String REPO = "https://charts.example.test/";

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void chartIndex(byte[] data) throws IOException {
    for (String chart : new String[] {"app", "other"}) {
      try {
        for (ChartRepository.ChartVersion v : ChartRepository.versions(new ByteArrayInputStream(data),
            URI.create(REPO + "index.yaml"), REPO, chart)) {
          URI.create(v.url());
        }
      } catch (AirlockException expected) {
        // refused in airlock's words
      }
    }
  }
}
