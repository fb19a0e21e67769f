package dev.airlock.manifestlists;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the children of an index to keep for a list of wanted platforms. The index bytes are never
 * changed: what is not selected is simply not copied (a sparse index), and is reported.
 *
 * <ul>
 *   <li>An empty wanted list selects every child.
 *   <li>A child is selected when any wanted platform {@link Platform#matches matches} it.
 *   <li>A docker buildx attestation child (platform {@code unknown/unknown}, annotated
 *       {@code vnd.docker.reference.type: attestation-manifest}) follows the image it describes: it is
 *       kept when that image is kept, left out otherwise, and never matches a platform on its own.
 *   <li>A child without a platform is kept only when every child is wanted.
 * </ul>
 */
public final class PlatformSelector {
  private final List<Platform> wanted;

  public PlatformSelector(List<Platform> wanted) {
    this.wanted = wanted == null ? List.of() : List.copyOf(wanted);
  }

  public static PlatformSelector all() {
    return new PlatformSelector(List.of());
  }

  public boolean selectsAll() {
    return wanted.isEmpty();
  }

  /**
   * The result of a selection.
   *
   * @param selected children to copy, in index order (attestations of selected images included)
   * @param leftOut children not copied, in index order, with their platforms (so a sparse index can be reported)
   * @param attestations the selected children that are buildx attestations (a subset of {@code selected})
   * @param unmatched wanted platforms that no child has
   */
  public record Selection(List<Descriptor> selected, List<Descriptor> leftOut, List<Descriptor> attestations,
      List<Platform> unmatched) {
    public boolean isSparse() {
      return !leftOut.isEmpty();
    }

    /** Throws a one-line error naming the platforms the index does not have. */
    public Selection requireAllMatched(String what) {
      if (!unmatched.isEmpty()) {
        throw new InvalidInputException(what + " has no image for platform" + (unmatched.size() > 1 ? "s " : " ")
            + String.join(", ", unmatched.stream().map(Platform::toString).toList()));
      }
      return this;
    }
  }

  public Selection select(RawManifest index) {
    if (!index.isIndex()) {
      throw new IllegalArgumentException(index.digest() + " is not an index");
    }
    return select(index.manifests());
  }

  public Selection select(List<Descriptor> children) {
    Set<Digest> keptImages = new HashSet<>();
    List<Platform> unmatched = new ArrayList<>();
    for (Platform w : wanted) {
      boolean found = false;
      for (Descriptor c : children) {
        if (!IndexChildren.isAttestation(c) && w.matches(c.platform())) {
          keptImages.add(c.digest());
          found = true;
        }
      }
      if (!found) {
        unmatched.add(w);
      }
    }
    List<Descriptor> selected = new ArrayList<>();
    List<Descriptor> leftOut = new ArrayList<>();
    List<Descriptor> attestations = new ArrayList<>();
    for (Descriptor c : children) {
      boolean keep;
      if (IndexChildren.isAttestation(c)) {
        Digest subject = IndexChildren.attestationSubject(c);
        keep = selectsAll() || (subject != null && keptImages.contains(subject));
        if (keep) {
          attestations.add(c);
        }
      } else {
        keep = selectsAll() || keptImages.contains(c.digest());
      }
      (keep ? selected : leftOut).add(c);
    }
    return new Selection(List.copyOf(selected), List.copyOf(leftOut), List.copyOf(attestations), List.copyOf(unmatched));
  }
}
