package dev.airlock.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Shared parts of the Jazzer fuzz tests (the {@code *FuzzTest} classes; docs/fuzzing.md). A fuzz test lets
 * airlock's own errors ({@link dev.airlock.AirlockException} and its subclasses, one-line messages for a
 * person) pass and lets everything else escape, so Jazzer reports it as a finding: any other exception, an
 * {@link OutOfMemoryError} under the fuzz JVM's -Xmx128m, or an input that takes longer than libFuzzer's
 * timeout.
 */
public final class Fuzzing {
  private Fuzzing() {}

  /**
   * How long each fuzz test fuzzes in {@code ./mvnw verify} (CI); about ten targets share a budget of 3-4
   * minutes. Without fuzzing (a targeted run, or -Dairlock.fuzz=0) only the committed inputs are replayed.
   */
  public static final String BUDGET = "20s";

  private static Path scratch;

  /** A directory for this JVM's fuzz inputs written to disk, removed when the JVM exits. */
  public static synchronized Path scratch() {
    if (scratch == null) {
      try {
        // memory-backed when the machine has it: the tar fuzz test writes every input to a file
        Path shm = Path.of("/dev/shm");
        scratch = Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "airlock-fuzz-") : Files.createTempDirectory("airlock-fuzz-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = scratch;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
    }
    return scratch;
  }

  /** Deletes {@code dir} and what it holds, quietly. */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory
    }
  }
}
