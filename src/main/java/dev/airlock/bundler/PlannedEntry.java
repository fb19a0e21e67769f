package dev.airlock.bundler;

import dev.airlock.bundle.BundleLock;
import dev.airlock.charts.ChartImageFinder.FoundImage;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.store.ContentStore;
import java.util.List;

/**
 * A spec entry resolved to a digest: where to fetch it ({@code store}, {@code repository}), what it is
 * named in the bundle ({@code refName}), and what the catalog says about it.
 */
public record PlannedEntry(
    String kind,
    String key,
    String refName,
    ContentStore store,
    String repository,
    Digest digest,
    String mediaType,
    List<Platform> platforms,
    String origin,
    ChartInfo chart,
    List<FileArtifactPacker.FileRow> files,
    BundleLock.Entry lockEntry) {

  public static final String IMAGE = "image";
  public static final String CHART = "chart";
  public static final String CHART_IMAGE = "chart-image";
  public static final String ARTIFACT = "artifact";

  /** A chart's catalog facts. */
  public record ChartInfo(String name, String version, String appVersion, String source, List<FoundImage> images) {}

  /** {@code registry/repo} part of the ref name (index.json stores names as {@code name:tag}). */
  public String refRepository() {
    return refName.substring(0, refName.lastIndexOf(':'));
  }

  public String refTag() {
    return refName.substring(refName.lastIndexOf(':') + 1);
  }
}
