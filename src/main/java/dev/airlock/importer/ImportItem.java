package dev.airlock.importer;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.util.List;

/**
 * One tagged source of the bundle and where it goes.
 *
 * @param sourceRef the full source reference as named in the bundle ({@code docker.io/library/alpine:3.20})
 * @param sourceRepository the bundle's repository for it ({@code docker.io/library/alpine})
 * @param sourceTag the tag in the bundle
 * @param targetTag null when the source was digest-only (pushed by digest)
 * @param absentChildren children of an index the bundle does not hold (platform filtering)
 * @param filtered for a sparse index (some children absent): the descriptor of the filtered index that
 *     stands in for it where the original cannot ({@link dev.airlock.manifestlists.FilteredIndex}); else null
 */
public record ImportItem(String sourceRef, String sourceRepository, String sourceTag, Descriptor root,
    String targetRepository, String targetTag, List<Descriptor> presentChildren, List<Descriptor> absentChildren,
    Descriptor filtered) {

  public Digest digest() {
    return root.digest();
  }

  /** An index the bundle holds only some children of. */
  public boolean sparse() {
    return filtered != null;
  }

  /** The tag, or the digest for a digest-only source: what the target is asked for. */
  public String targetReference() {
    return targetTag != null ? targetTag : digest().toString();
  }

  /** {@code TAG-os-arch[-variant]}: where a carried platform of a sparse index is tagged with platform tags. */
  public static String platformTag(String tag, Descriptor child) {
    String base = tag == null ? "sha256-" + child.digest().hex().substring(0, 12) : tag;
    if (child.platform() == null) {
      return base + "-" + child.digest().hex().substring(0, 12);
    }
    String p = child.platform().normalizedOs() + "-" + child.platform().normalizedArchitecture()
        + (child.platform().variant() == null ? "" : "-" + child.platform().variant());
    String t = (base + "-" + p).replaceAll("[^A-Za-z0-9_.-]", "_");
    return t.length() > 128 ? t.substring(0, 128) : t;
  }
}
