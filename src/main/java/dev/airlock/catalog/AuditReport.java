package dev.airlock.catalog;

import java.util.List;

/**
 * What a bundle holds, from its catalog: every source with digest, platforms (present and left out),
 * size and referrers (with the signer identities and predicate types they claim); charts and their images;
 * blob totals and the dedup saving.
 */
public record AuditReport(Bundle bundle, List<Source> sources, List<Chart> charts, int blobCount, long storedBytes,
    long uniqueLayerBytes, long referencedBytes) {

  /** {@code catalogVersion}: the catalog's schema version; signer identities are recorded from version 2 on. */
  public record Bundle(String name, String created, String toolVersion, int catalogVersion) {
    public Bundle(String name, String created, String toolVersion) {
      this(name, created, toolVersion, CatalogSchema.VERSION);
    }

    /** Whether the catalog records signer identities (version 2 on); an older one says nothing about them. */
    @com.fasterxml.jackson.annotation.JsonProperty("signersRecorded")
    public boolean signersRecorded() {
      return catalogVersion >= 2;
    }
  }

  public record Source(String ref, String kind, String digest, String mediaType, String origin, List<String> platforms,
      List<String> absentPlatforms, long size, List<Referrer> referrers) {}

  /** {@code signers} and {@code predicateTypes} are empty when the catalog does not record them (version 1). */
  public record Referrer(String digest, String subject, String kind, String artifactType, String via, String tag,
      List<Signer> signers, List<String> predicateTypes) {
    public Referrer(String digest, String subject, String kind, String artifactType, String via, String tag) {
      this(digest, subject, kind, artifactType, via, tag, List.of(), List.of());
    }
  }

  /**
   * Who a signature claims signed it, read offline by the bundler, never verified by it (schema.sql,
   * table signers): {@code identity} is key, keyless, certificate or unknown.
   */
  public record Signer(String format, String identity, String keyId, String subject, String issuer, String certSha256) {
    /** One line for people: {@code keyless dev@example.com (issuer https://accounts.google.com)}. */
    public String describe() {
      return switch (identity) {
        case "keyless" -> "keyless " + subject + " (issuer " + issuer + ")";
        case "certificate" -> "certificate " + subject + (issuer != null && !issuer.equals(subject) ? " (issuer " + issuer + ")" : " (self-signed)");
        case "key" -> keyId == null ? "key (the signature does not name it)" : "key " + shortKeyId(keyId);
        default -> "unknown (" + format + ", not readable offline)";
      };
    }

    static String shortKeyId(String keyId) {
      return keyId.matches("[0-9a-f]{64}") ? keyId.substring(0, 12) : keyId;
    }
  }

  public record Chart(String name, String version, String appVersion, String source, String ref, List<String> images) {}

  /** Bytes saved by storing each shared blob once: referenced minus stored. */
  @com.fasterxml.jackson.annotation.JsonProperty("dedupSavedBytes")
  public long dedupSavedBytes() {
    return Math.max(0, referencedBytes - uniqueLayerBytes);
  }
}
