package dev.airlock.bundle;

import dev.airlock.oci.Platform;
import java.util.List;

/**
 * A bundle spec ({@code apiVersion: airlock.dev/v1}, {@code kind: Bundle}), validated. See
 * docs/bundle-spec.md. {@code raw} is the file as given (stored in the bundle and the catalog).
 */
public record BundleSpec(
    String name,
    List<Platform> platforms,
    Referrers referrers,
    List<Image> images,
    List<Chart> charts,
    List<Artifact> artifacts,
    String raw,
    String file) {

  public static final String API_VERSION = "airlock.dev/v1";
  public static final String KIND = "Bundle";

  /** Which referrers come along. */
  public record Referrers(boolean signatures, boolean sboms, boolean attestations, boolean others, boolean cosignTags) {
    public boolean any() {
      return signatures || sboms || attestations || others;
    }

    public static Referrers defaults() {
      return new Referrers(true, true, true, false, true);
    }

    /** Whether a referrer of this kind comes along. */
    public boolean wants(dev.airlock.transfer.ReferrerKind kind) {
      return switch (kind) {
        case SIGNATURE, NOTATION -> signatures;
        case SBOM -> sboms;
        case ATTESTATION -> attestations;
        case OTHER -> others;
      };
    }
  }

  /**
   * An image: exactly one of {@code ref} (a registry reference), {@code layout} ({@code DIR:REF}, an OCI
   * layout) or {@code archive} ({@code oci-archive:FILE[:REF]} / {@code docker-archive:FILE[:REF]}).
   * {@code name} is the reference a local image is stored under; {@code platforms} overrides the default.
   * {@code key} identifies the entry in the lock file. {@code tags} (may be null): with a {@code ref} naming a
   * repository without tag or digest, every tag of it that the filter selects is an entry of its own.
   */
  public record Image(String ref, String layout, String archive, String name, List<Platform> platforms, TagFilter tags,
      int line) {
    public Image(String ref, String layout, String archive, String name, List<Platform> platforms, int line) {
      this(ref, layout, archive, name, platforms, null, line);
    }

    public String key() {
      return ref != null ? ref : layout != null ? "layout:" + layout : "archive:" + archive;
    }
  }

  /**
   * Which tags of a repository an image entry takes: those matching {@code regex} (the whole tag) and whose
   * version is in the {@code semver} range (tags that are no version, such as {@code latest}, are left out
   * by a range); either may be null, not both. {@code semver} is parsed when the spec is read.
   */
  public record TagFilter(String semver, String regex) {
    public boolean matches(String tag) {
      if (regex != null && !java.util.regex.Pattern.compile(regex).matcher(tag).matches()) {
        return false;
      }
      if (semver != null) {
        dev.airlock.charts.Semver v = dev.airlock.charts.Semver.tryParse(tag);
        return v != null && dev.airlock.charts.SemverRange.parse(semver).matches(v);
      }
      return true;
    }

    /** {@code semver ">=1.2 <2", regex "..."}, for messages and lock keys. */
    public String describe() {
      return (semver != null ? "semver '" + semver + "'" : "") + (semver != null && regex != null ? ", " : "")
          + (regex != null ? "regex '" + regex + "'" : "");
    }
  }

  /** A chart: {@code repo} + {@code name} + {@code version} range (HTTP repository), or {@code ref} (oci://). */
  public record Chart(String repo, String name, String version, String ref, boolean images, List<Platform> platforms,
      int line) {
    public String key() {
      return ref != null ? ref : repo + "#" + name + "@" + version;
    }
  }

  /** An artifact: {@code ref} (registry), or {@code path} + {@code mediaType} (local files packed). */
  public record Artifact(String ref, String path, String mediaType, String artifactType, String name, int line) {
    public String key() {
      return ref != null ? ref : "path:" + path;
    }
  }
}
