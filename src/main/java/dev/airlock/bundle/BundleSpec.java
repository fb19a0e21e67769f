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
  }

  /**
   * An image: exactly one of {@code ref} (a registry reference), {@code layout} ({@code DIR:REF}, an OCI
   * layout) or {@code archive} ({@code oci-archive:FILE[:REF]} / {@code docker-archive:FILE[:REF]}).
   * {@code name} is the reference a local image is stored under; {@code platforms} overrides the default.
   * {@code key} identifies the entry in the lock file.
   */
  public record Image(String ref, String layout, String archive, String name, List<Platform> platforms, int line) {
    public String key() {
      return ref != null ? ref : layout != null ? "layout:" + layout : "archive:" + archive;
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
