package dev.airlock.history;

import java.util.List;
import java.util.Map;

/**
 * One import as the history keeps it. {@code id} is 0 before it is stored.
 *
 * @param images what each tagged source resolves to at the target (an import that pushed; else empty)
 */
public record ImportRecord(long id, String started, String finished, String bundlePath, String bundleDigest,
    String bundleName, String target, String status, String verification, long blobsPushed, long blobsMounted,
    long blobsSkipped, long bytesPushed, long bytesSkipped, long manifestsPushed, long manifestsSkipped,
    Map<String, String> mapping, String error, List<Image> images) {

  public static final String OK = "ok";
  public static final String FAILED = "failed";
  public static final String VERIFICATION_FAILED = "verification-failed";
  public static final String DRY_RUN = "dry-run";

  /**
   * One imported image.
   *
   * @param index null for an image or artifact; {@code full}, {@code kept-sparse} or {@code filtered} for an index
   * @param digest what {@code target} resolves to ({@code sourceDigest}, or the filtered index standing for it)
   */
  public record Image(String source, String target, String digest, String sourceDigest, String index,
      List<String> platforms, List<String> leftOut, String reason) {
    public Image {
      platforms = platforms == null ? List.of() : List.copyOf(platforms);
      leftOut = leftOut == null ? List.of() : List.copyOf(leftOut);
    }
  }

  public ImportRecord {
    mapping = mapping == null ? Map.of() : Map.copyOf(mapping);
    images = images == null ? List.of() : List.copyOf(images);
  }

  public ImportRecord(long id, String started, String finished, String bundlePath, String bundleDigest,
      String bundleName, String target, String status, String verification, long blobsPushed, long blobsMounted,
      long blobsSkipped, long bytesPushed, long bytesSkipped, long manifestsPushed, long manifestsSkipped,
      Map<String, String> mapping, String error) {
    this(id, started, finished, bundlePath, bundleDigest, bundleName, target, status, verification, blobsPushed,
        blobsMounted, blobsSkipped, bytesPushed, bytesSkipped, manifestsPushed, manifestsSkipped, mapping, error,
        List.of());
  }
}
