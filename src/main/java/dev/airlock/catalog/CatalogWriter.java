package dev.airlock.catalog;

import dev.airlock.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects a bundle's catalog rows and writes catalog.db. Rows are kept sorted by primary key and
 * inserted in that order, then the file is vacuumed, so the same content gives the same file bytes
 * (a catalog is part of a reproducible bundle). Adding a row twice keeps the first.
 */
public final class CatalogWriter {
  private final Map<String, TreeMap<String, Object[]>> tables = new LinkedHashMap<>();
  private final Map<String, String> inserts = new LinkedHashMap<>();

  public CatalogWriter() {
    table("bundle", "id, name, spec, created, tool_version");
    table("sources", "ref, kind, digest, media_type, origin");
    table("manifests", "digest, media_type, size, platform, artifact_type");
    table("index_children", "index_digest, child_digest, platform, present");
    table("blobs", "digest, size, media_type");
    table("blob_usage", "blob_digest, manifest_digest");
    table("referrers", "digest, subject_digest, artifact_type, kind, via, tag");
    table("charts", "name, version, app_version, source, ref, digest");
    table("chart_images", "chart_name, chart_version, image_ref, found_in");
    table("files", "artifact_ref, path, digest, size");
    table("sbom_packages", "sbom_digest, subject_digest, name, version, purl");
    table("sboms", "sbom_digest, layer_digest, format, spec_version, packages");
    table("signers", "referrer_digest, layer_digest, seq, format, identity, key_id, subject, issuer, cert_sha256");
    table("predicates", "referrer_digest, layer_digest, predicate_type");
  }

  private void table(String name, String columns) {
    tables.put(name, new TreeMap<>());
    String marks = String.join(", ", java.util.Collections.nCopies(columns.split(",").length, "?"));
    inserts.put(name, "INSERT OR IGNORE INTO " + name + " (" + columns + ") VALUES (" + marks + ")");
  }

  private void add(String table, int keyColumns, Object... row) {
    String key = String.join("\u0000", Arrays.stream(row, 0, keyColumns).map(String::valueOf).toList());
    tables.get(table).putIfAbsent(key, row);
  }

  public void bundle(String name, String spec, String created, String toolVersion) {
    add("bundle", 1, 1, name, spec, created, toolVersion);
  }

  public void source(String ref, String kind, String digest, String mediaType, String origin) {
    add("sources", 1, ref, kind, digest, mediaType, origin);
  }

  public void manifest(String digest, String mediaType, long size, String platform, String artifactType) {
    add("manifests", 1, digest, mediaType, size, platform, artifactType);
  }

  public void indexChild(String index, String child, String platform, boolean present) {
    add("index_children", 2, index, child, platform, present ? 1 : 0);
  }

  public void blob(String digest, long size, String mediaType) {
    add("blobs", 1, digest, size, mediaType);
  }

  public void blobUsage(String blob, String manifest) {
    add("blob_usage", 2, blob, manifest);
  }

  public void referrer(String digest, String subject, String artifactType, String kind, String via, String tag) {
    add("referrers", 2, digest, subject, artifactType, kind, via, tag);
  }

  public void chart(String name, String version, String appVersion, String source, String ref, String digest) {
    add("charts", 2, name, version, appVersion, source, ref, digest);
  }

  public void chartImage(String chartName, String chartVersion, String imageRef, String foundIn) {
    add("chart_images", 3, chartName, chartVersion, imageRef, foundIn);
  }

  public void file(String artifactRef, String path, String digest, long size) {
    add("files", 2, artifactRef, path, digest, size);
  }

  public void sbomPackage(String sbomDigest, String subject, String name, String version, String purl) {
    add("sbom_packages", 5, sbomDigest, subject, name, version, purl);
  }

  public void sbom(String sbomDigest, String layerDigest, String format, String specVersion, int packages) {
    add("sboms", 2, sbomDigest, layerDigest, format, specVersion, packages);
  }

  /** A signer identity as read from a signature (not verified); see schema.sql, table signers. */
  public void signer(String referrer, String layer, int seq, String format, String identity, String keyId,
      String subject, String issuer, String certSha256) {
    add("signers", 3, referrer, layer, seq, format, identity, keyId,
        subject, issuer, certSha256);
  }

  public void predicate(String referrer, String layer, String predicateType) {
    add("predicates", 3, referrer, layer, predicateType);
  }

  /** Writes catalog.db to {@code target} atomically (temp file beside it, then rename). */
  public void writeTo(Path target) throws IOException {
    Path tmp = AtomicFiles.tempBeside(target);
    try {
      Files.delete(tmp);
      try (Connection c = SqliteNativeLibrary.connect(tmp, null)) {
        try (Statement st = c.createStatement()) {
          st.execute("PRAGMA journal_mode = OFF");
          // a file built from scratch and renamed into place: no fsync (on ext4 an fsync also pushes every
          // other dirty file of the file system to disk, such as the blobs just fetched)
          st.execute("PRAGMA synchronous = OFF");
          st.execute("PRAGMA page_size = 4096");
        }
        c.setAutoCommit(false);
        CatalogSchema.create(c);
        for (Map.Entry<String, TreeMap<String, Object[]>> t : tables.entrySet()) {
          try (PreparedStatement ps = c.prepareStatement(inserts.get(t.getKey()))) {
            for (Object[] row : t.getValue().values()) {
              for (int i = 0; i < row.length; i++) {
                ps.setObject(i + 1, row[i]);
              }
              ps.addBatch();
            }
            ps.executeBatch();
          }
        }
        c.commit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
          st.execute("VACUUM");
        }
      }
      AtomicFiles.moveIntoPlace(tmp, target);
    } catch (SQLException e) {
      throw new CatalogException("cannot write catalog " + target + ": " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
