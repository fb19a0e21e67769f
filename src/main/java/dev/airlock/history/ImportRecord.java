package dev.airlock.history;

import java.util.Map;

/** One import as the history keeps it. {@code id} is 0 before it is stored. */
public record ImportRecord(long id, String started, String finished, String bundlePath, String bundleDigest,
    String bundleName, String target, String status, String verification, long blobsPushed, long blobsMounted,
    long blobsSkipped, long bytesPushed, long bytesSkipped, long manifestsPushed, long manifestsSkipped,
    Map<String, String> mapping, String error) {

  public static final String OK = "ok";
  public static final String FAILED = "failed";
  public static final String VERIFICATION_FAILED = "verification-failed";
  public static final String DRY_RUN = "dry-run";

  public ImportRecord {
    mapping = mapping == null ? Map.of() : Map.copyOf(mapping);
  }
}
