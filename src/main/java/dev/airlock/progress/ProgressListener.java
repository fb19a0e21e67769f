package dev.airlock.progress;

/**
 * How the library reports progress. The library never prints; the CLI turns these calls into a progress
 * bar on a terminal or log lines otherwise. Implementations must be thread-safe: blobs move in parallel.
 */
public interface ProgressListener {
  ProgressListener NONE = new ProgressListener() {};

  /** A phase starts ("resolve", "fetch", "write", "push"); totals are -1 when unknown. */
  default void phase(String name, long totalItems, long totalBytes) {}

  /** {@code bytes} more bytes moved. */
  default void bytes(long bytes) {}

  /** One item (a blob, a manifest) finished; {@code skipped} when it was already there. */
  default void item(String what, boolean skipped) {}

  /** A line worth telling the user (a found chart image, a skipped absent platform). */
  default void info(String message) {}
}
