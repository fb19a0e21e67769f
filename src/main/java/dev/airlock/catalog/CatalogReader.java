package dev.airlock.catalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/** Reads a catalog.db (read-only) into an {@link AuditReport}. */
public final class CatalogReader implements AutoCloseable {
  private final Connection c;
  private final Path file;

  private CatalogReader(Path file, Connection c) {
    this.file = file;
    this.c = c;
  }

  public static CatalogReader open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new dev.airlock.InvalidInputException("catalog " + file + " does not exist");
    }
    try {
      SqliteNativeLibrary.prepare();
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
      CatalogReader r = new CatalogReader(file, c);
      int v = r.one("PRAGMA user_version");
      if (v != CatalogSchema.VERSION) {
        throw new dev.airlock.InvalidInputException("catalog " + file + " has schema version " + v
            + "; this airlock reads version " + CatalogSchema.VERSION);
      }
      return r;
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** The connection, for callers that need a query this class does not offer. */
  public Connection connection() {
    return c;
  }

  public AuditReport report() {
    try {
      AuditReport.Bundle bundle;
      try (PreparedStatement ps = c.prepareStatement("SELECT name, created, tool_version FROM bundle");
          ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new dev.airlock.InvalidInputException("catalog " + file + " has no bundle row");
        }
        bundle = new AuditReport.Bundle(rs.getString(1), rs.getString(2), rs.getString(3));
      }
      List<AuditReport.Source> sources = new ArrayList<>();
      for (Map<String, Object> s : rows("SELECT ref, kind, digest, media_type, origin FROM sources ORDER BY kind, ref")) {
        String digest = (String) s.get("digest");
        List<String> present = strings("SELECT COALESCE(platform, child_digest) FROM index_children "
            + "WHERE index_digest = ? AND present = 1 ORDER BY 1", digest);
        List<String> absent = strings("SELECT COALESCE(platform, child_digest) FROM index_children "
            + "WHERE index_digest = ? AND present = 0 ORDER BY 1", digest);
        long size = longOne("WITH RECURSIVE m(d) AS (SELECT ? UNION SELECT child_digest FROM index_children, m "
            + "WHERE index_digest = m.d AND present = 1) SELECT COALESCE(SUM(b.size), 0) FROM "
            + "(SELECT DISTINCT u.blob_digest FROM blob_usage u JOIN m ON u.manifest_digest = m.d) x "
            + "JOIN blobs b ON b.digest = x.blob_digest", digest);
        List<AuditReport.Referrer> refs = new ArrayList<>();
        for (Map<String, Object> r : rows("WITH RECURSIVE m(d) AS (SELECT ? UNION SELECT child_digest FROM "
            + "index_children, m WHERE index_digest = m.d AND present = 1 UNION SELECT r.digest FROM referrers r, m "
            + "WHERE r.subject_digest = m.d) SELECT r.digest, r.subject_digest, r.kind, r.artifact_type, r.via, r.tag "
            + "FROM referrers r JOIN m ON r.subject_digest = m.d ORDER BY r.kind, r.digest", digest)) {
          refs.add(new AuditReport.Referrer((String) r.get("digest"), (String) r.get("subject_digest"),
              (String) r.get("kind"), (String) r.get("artifact_type"), (String) r.get("via"), (String) r.get("tag")));
        }
        sources.add(new AuditReport.Source((String) s.get("ref"), (String) s.get("kind"), digest,
            (String) s.get("media_type"), (String) s.get("origin"), present, absent, size, refs));
      }
      List<AuditReport.Chart> charts = new ArrayList<>();
      for (Map<String, Object> ch : rows("SELECT name, version, app_version, source, ref, digest FROM charts ORDER BY name, version")) {
        List<String> images = new ArrayList<>();
        for (Map<String, Object> i : rows("SELECT image_ref, found_in FROM chart_images WHERE chart_name = ? "
            + "AND chart_version = ? ORDER BY image_ref", ch.get("name"), ch.get("version"))) {
          images.add(i.get("image_ref") + " (" + i.get("found_in") + ")");
        }
        charts.add(new AuditReport.Chart((String) ch.get("name"), (String) ch.get("version"),
            (String) ch.get("app_version"), (String) ch.get("source"), (String) ch.get("ref"), images));
      }
      long stored = longOne("SELECT COALESCE(SUM(size), 0) FROM blobs b WHERE EXISTS "
          + "(SELECT 1 FROM blob_usage u WHERE u.blob_digest = b.digest)");
      long referenced = longOne("SELECT COALESCE(SUM(b.size), 0) FROM blob_usage u JOIN blobs b ON b.digest = u.blob_digest");
      int blobs = one("SELECT COUNT(*) FROM blobs");
      long all = longOne("SELECT COALESCE(SUM(size), 0) FROM blobs");
      return new AuditReport(bundle, sources, charts, blobs, all, stored, referenced);
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  private List<Map<String, Object>> rows(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        List<Map<String, Object>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= n; i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
          }
          out.add(row);
        }
        return out;
      }
    }
  }

  private List<String> strings(String sql, Object... args) throws SQLException {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> r : rows(sql, args)) {
      out.add(String.valueOf(r.values().iterator().next()));
    }
    return out;
  }

  private int one(String sql, Object... args) throws SQLException {
    return (int) longOne(sql, args);
  }

  private long longOne(String sql, Object... args) throws SQLException {
    List<Map<String, Object>> r = rows(sql, args);
    Object v = r.isEmpty() ? null : r.get(0).values().iterator().next();
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Override
  public void close() {
    try {
      c.close();
    } catch (SQLException e) {
      // read-only: nothing to lose
    }
  }
}
