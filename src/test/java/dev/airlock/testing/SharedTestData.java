package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The third-party test vectors in {@code ../shared/testdata}. They are read in place, never copied into
 * the project. Missing: the test is skipped, or fails when {@code AIRLOCK_REQUIRE_SHARED=1} (CI sets it).
 */
public final class SharedTestData {
  private SharedTestData() {}

  public static Path dir() {
    Path p = Path.of(System.getProperty("user.dir")).resolve("../shared/testdata").normalize();
    if (Files.isDirectory(p)) {
      return p;
    }
    String msg = "shared test data not found at " + p;
    if ("1".equals(System.getenv("AIRLOCK_REQUIRE_SHARED"))) {
      Assertions.fail(msg + " and AIRLOCK_REQUIRE_SHARED=1 is set");
    }
    Assumptions.abort("skipped: " + msg);
    throw new IllegalStateException("unreachable");
  }

  public static Path sigstore(String relative) {
    Path p = dir().resolve("sigstore").resolve(relative);
    Assertions.assertTrue(Files.exists(p), "missing shared test file " + p);
    return p;
  }

  public static Path notation(String relative) {
    Path p = dir().resolve("notation").resolve(relative);
    Assertions.assertTrue(Files.exists(p), "missing shared test file " + p);
    return p;
  }
}
