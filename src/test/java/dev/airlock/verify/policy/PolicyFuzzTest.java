package dev.airlock.verify.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.AirlockException;
import dev.airlock.testing.Fuzzing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link Policy#load}, the reader of every policy file the site gives verify and import: airlock's
 * own policy and the cluster formats it reads as such (Kyverno ClusterPolicy, policy-controller
 * ClusterImagePolicy, Flux OCIRepository with their Secrets; {@code verify/policy/cluster}). A key file a
 * policy names ({@code image.pub}) exists beside it.
 */
class PolicyFuzzTest {
  private static Path dir;

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void policyFile(byte[] data) throws IOException {
    Path file = directory().resolve("policy.yaml");
    Files.write(file, data);
    try {
      Policy p = Policy.load(file);
      p.imagesOrEmpty();
      p.matchesAll();
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
  }

  private static synchronized Path directory() throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory(Fuzzing.scratch(), "policy-");
      try (var in = PolicyFuzzTest.class.getResourceAsStream("PolicyFuzzTest-image.pub")) {
        Files.write(dir.resolve("image.pub"), in.readAllBytes());
      }
    }
    return dir;
  }
}
