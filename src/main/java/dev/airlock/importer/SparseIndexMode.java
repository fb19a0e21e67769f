package dev.airlock.importer;

import dev.airlock.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What an import does with a platform-filtered (sparse) index: an index the bundle keeps byte for byte but
 * holds only some children of (docs/import-and-serve.md, "Platform-filtered indexes"). Whatever the mode,
 * the carried platform manifests keep their digests and their signatures, and every tag of the spec exists
 * at the target.
 */
public enum SparseIndexMode {
  /**
   * The original index, byte for byte, where the target accepts an index whose children are absent (an OCI
   * layout does; a registry's answer to the push of the original decides); else the filtered index
   * ({@link dev.airlock.manifestlists.FilteredIndex}) under the same tag.
   */
  AUTO("auto"),
  /** The original index, byte for byte; a target that refuses it fails the import. */
  KEEP("keep"),
  /** Always the filtered index (whose every child is present, so clients copying all platforms work). */
  FILTER("filter"),
  /** As {@link #AUTO}, and each carried platform also under its own tag {@code TAG-os-arch[-variant]}. */
  PLATFORM_TAGS("platform-tags"),
  /**
   * Stop at the plan, before anything is pushed, when an index cannot be kept exactly for certain (a
   * registry target: it may refuse an index whose children are absent); an OCI layout keeps it.
   */
  FAIL("fail");

  private final String id;

  SparseIndexMode(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static SparseIndexMode parse(String s) {
    for (SparseIndexMode m : values()) {
      if (m.id.equals(s == null ? "" : s.trim().toLowerCase(Locale.ROOT))) {
        return m;
      }
    }
    throw new InvalidInputException("--sparse-index " + s + ": expected one of "
        + String.join(", ", Arrays.stream(values()).map(SparseIndexMode::id).toList()));
  }

  /** Whether the original may be offered to the target at all. */
  boolean offersOriginal() {
    return this != FILTER;
  }
}
