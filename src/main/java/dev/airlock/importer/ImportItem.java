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
 * @param split true when the target refuses the sparse index: present children are pushed under
 *     platform tags ({@link #platformTag}) and the index itself is not pushed
 */
public record ImportItem(String sourceRef, String sourceRepository, String sourceTag, Descriptor root,
    String targetRepository, String targetTag, List<Descriptor> presentChildren, List<Descriptor> absentChildren,
    boolean split) {

  public Digest digest() {
    return root.digest();
  }

  /** {@code TAG-os-arch[-variant]}: where a platform child of a split index is tagged. */
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
