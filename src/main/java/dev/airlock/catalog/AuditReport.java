package dev.airlock.catalog;

import java.util.List;

/**
 * What a bundle holds, from its catalog: every source with digest, platforms (present and left out),
 * size and referrers; charts and their images; blob totals and the dedup saving.
 */
public record AuditReport(Bundle bundle, List<Source> sources, List<Chart> charts, int blobCount, long storedBytes,
    long uniqueLayerBytes, long referencedBytes) {

  public record Bundle(String name, String created, String toolVersion) {}

  public record Source(String ref, String kind, String digest, String mediaType, String origin, List<String> platforms,
      List<String> absentPlatforms, long size, List<Referrer> referrers) {}

  public record Referrer(String digest, String subject, String kind, String artifactType, String via, String tag) {}

  public record Chart(String name, String version, String appVersion, String source, String ref, List<String> images) {}

  /** Bytes saved by storing each shared blob once: referenced minus stored. */
  @com.fasterxml.jackson.annotation.JsonProperty("dedupSavedBytes")
  public long dedupSavedBytes() {
    return Math.max(0, referencedBytes - uniqueLayerBytes);
  }
}
