package dev.airlock.bundle;

/** Names and media types of the airlock bundle format; see docs/bundle-format.md. */
public final class BundleFormat {
  private BundleFormat() {}

  /** index.json ref name of the bundle root index. */
  public static final String ROOT_REF_NAME = "dev.airlock/bundle:root";

  public static final String ROOT_ARTIFACT_TYPE = "application/vnd.airlock.bundle.v1+json";
  public static final String METADATA_ARTIFACT_TYPE = "application/vnd.airlock.bundle.metadata.v1+json";
  public static final String CATALOG_MEDIA_TYPE = "application/vnd.airlock.catalog.v1+sqlite3";
  public static final String LOCK_MEDIA_TYPE = "application/vnd.airlock.lock.v1+yaml";
  public static final String SPEC_MEDIA_TYPE = "application/vnd.airlock.spec.v1+yaml";

  public static final String CATALOG_TITLE = "catalog.db";
  public static final String LOCK_TITLE = "bundle.lock.yaml";
  public static final String SPEC_TITLE = "bundle.yaml";

  /**
   * Optional metadata layer: a snapshot of a Sigstore TUF repository (consistent-snapshot layout) as a
   * deterministic uncompressed tar, written and read by {@code dev.airlock.verify.tuf.TufRepoArchive}.
   */
  public static final String TUF_REPO_MEDIA_TYPE = "application/vnd.airlock.tuf-repo.v1.tar";
  public static final String TUF_REPO_TITLE = "tuf-repo.tar";

  /**
   * Since v2, optional metadata layer(s): airlock's own self-contained distribution,
   * airlock-VERSION-linux-ARCH.tar.gz as scripts/distribution.sh writes it ({@code bundle --include-self},
   * {@code extract-self}; {@link SelfDistribution}). Title: the file name; its digest is the tarball's sha256.
   * A reader that does not know it verifies it as any metadata blob and ignores it.
   */
  public static final String DISTRIBUTION_MEDIA_TYPE = "application/vnd.airlock.distribution.v1.tar+gzip";
  /** Annotations of a distribution layer: airlock's version, and the platform ({@code linux-x86_64}). */
  public static final String ANNOTATION_DISTRIBUTION_VERSION = "dev.airlock.distribution.version";
  public static final String ANNOTATION_DISTRIBUTION_PLATFORM = "dev.airlock.distribution.platform";

  /** in-toto predicate type of the bundle statement. */
  public static final String PREDICATE_TYPE = "https://airlock.dev/bundle/v1";
  public static final String IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
  /** Statement subject names. */
  public static final String SUBJECT_INDEX = "index";

  /** Annotations on the root index. */
  public static final String ANNOTATION_BUNDLE_NAME = "dev.airlock.bundle.name";
  /**
   * The bundle format version, a decimal integer (docs/bundle-format.md, "Versions"). A root index without
   * it is version 1, as airlock wrote before the annotation existed. The root index is covered by the
   * bundle signature, so the version is too.
   */
  public static final String ANNOTATION_FORMAT_VERSION = "dev.airlock.bundle.format.version";

  /** The version this airlock writes for a full bundle. */
  public static final int FORMAT_VERSION = 2;
  /**
   * The version of a delta bundle ({@code bundle --since}): some blobs its manifests reference are not in it but
   * expected at the target (docs/deltas.md). A new version because a reader of version 2 would reject it.
   */
  public static final int DELTA_FORMAT_VERSION = 3;
  /** The newest version this airlock reads. */
  public static final int NEWEST_READABLE_VERSION = 3;
  /** The oldest version this airlock still reads (verify, import, serve, audit). */
  public static final int OLDEST_READABLE_VERSION = 1;

  /**
   * The format version a root index declares: its {@link #ANNOTATION_FORMAT_VERSION}, or 1 when absent.
   *
   * @throws IllegalArgumentException when the value is not a version this airlock reads, with the reason
   */
  public static int formatVersion(String annotation) {
    if (annotation == null) {
      return 1;
    }
    int v;
    try {
      v = Integer.parseInt(annotation);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bundle format version '" + annotation + "' is not a number");
    }
    if (v > NEWEST_READABLE_VERSION) {
      throw new IllegalArgumentException("bundle format version " + v + " is newer than this airlock reads ("
          + OLDEST_READABLE_VERSION + " to " + NEWEST_READABLE_VERSION + "); use a newer airlock");
    }
    if (v < OLDEST_READABLE_VERSION) {
      throw new IllegalArgumentException("bundle format version " + v + " is not a version airlock ever wrote");
    }
    return v;
  }
}
