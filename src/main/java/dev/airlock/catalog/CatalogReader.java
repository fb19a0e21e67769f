package dev.airlock.catalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * Reads a catalog.db (read-only) into an {@link AuditReport}, and answers the audit's other questions
 * (packages, the layers of each manifest). Reads every schema version from {@link CatalogSchema#OLDEST_READ}
 * to {@link CatalogSchema#VERSION}; what an older catalog does not record comes back empty, and
 * {@link #version()} says which it is.
 */
public final class CatalogReader implements AutoCloseable {
  private final Connection c;
  private final Path file;
  private int version;

  private CatalogReader(Path file, Connection c) {
    this.file = file;
    this.c = c;
  }

  public static CatalogReader open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new dev.airlock.InvalidInputException("catalog " + file + " does not exist");
    }
    try {
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      Connection c = SqliteNativeLibrary.connect(file, cfg.toProperties());
      CatalogReader r = new CatalogReader(file, c);
      int v = r.one("PRAGMA user_version");
      if (v < CatalogSchema.OLDEST_READ || v > CatalogSchema.VERSION) {
        r.close();
        throw new dev.airlock.InvalidInputException("catalog " + file + " has schema version " + v
            + (v > CatalogSchema.VERSION ? ", from a newer airlock" : "") + "; this airlock reads versions "
            + CatalogSchema.OLDEST_READ + " to " + CatalogSchema.VERSION);
      }
      r.version = v;
      return r;
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** The catalog's schema version ({@code PRAGMA user_version}). */
  public int version() {
    return version;
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
        bundle = new AuditReport.Bundle(rs.getString(1), rs.getString(2), rs.getString(3), version);
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
          String rd = (String) r.get("digest");
          refs.add(new AuditReport.Referrer(rd, (String) r.get("subject_digest"), (String) r.get("kind"),
              (String) r.get("artifact_type"), (String) r.get("via"), (String) r.get("tag"), signers(rd),
              version >= 2 ? strings("SELECT DISTINCT predicate_type FROM predicates WHERE referrer_digest = ? ORDER BY 1", rd)
                  : List.of()));
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

  /** The signer identities a referrer claims (none before version 2). */
  private List<AuditReport.Signer> signers(String referrer) throws SQLException {
    if (version < 2) {
      return List.of();
    }
    List<AuditReport.Signer> out = new ArrayList<>();
    for (Map<String, Object> s : rows("SELECT format, identity, key_id, subject, issuer, cert_sha256 FROM signers "
        + "WHERE referrer_digest = ? ORDER BY layer_digest, seq", referrer)) {
      AuditReport.Signer sg = new AuditReport.Signer((String) s.get("format"), (String) s.get("identity"),
          (String) s.get("key_id"), (String) s.get("subject"), (String) s.get("issuer"), (String) s.get("cert_sha256"));
      if (!out.contains(sg)) {
        out.add(sg);
      }
    }
    return out;
  }

  /**
   * One package an SBOM lists, with where it is: the source (image) it describes and, when the SBOM is about
   * one platform's manifest of an index, that platform. {@code format}/{@code specVersion} are null before
   * version 2.
   */
  public record PackageRow(String name, String version, String purl, String sbomDigest, String format,
      String specVersion, String subjectDigest, String sourceRef, String sourceKind, String sourceDigest,
      String platform) {}

  /**
   * The packages whose name (or purl) matches the SQL LIKE pattern {@code like} (null: every package), one row
   * per source they are found in, ordered by name, version, source.
   */
  public List<PackageRow> packages(String like) {
    try {
      Map<String, List<String[]>> where = manifestSources();
      String formats = version >= 2
          ? "(SELECT format FROM sboms s WHERE s.sbom_digest = p.sbom_digest ORDER BY layer_digest LIMIT 1) AS format, "
              + "(SELECT spec_version FROM sboms s WHERE s.sbom_digest = p.sbom_digest ORDER BY layer_digest LIMIT 1) AS spec"
          : "NULL AS format, NULL AS spec";
      String sql = "SELECT DISTINCT name, version, purl, sbom_digest, subject_digest, " + formats + " FROM sbom_packages p"
          + (like == null ? "" : " WHERE name LIKE ? ESCAPE '\\' OR purl LIKE ? ESCAPE '\\'")
          + " ORDER BY name, version, sbom_digest, subject_digest";
      List<PackageRow> out = new ArrayList<>();
      for (Map<String, Object> r : like == null ? rows(sql) : rows(sql, like, "%/" + like + "@%")) {
        String subject = (String) r.get("subject_digest");
        List<String[]> sources = where.getOrDefault(subject, List.<String[]>of(new String[] {null, null, null, null}));
        for (String[] src : sources) {
          out.add(new PackageRow((String) r.get("name"), (String) r.get("version"), (String) r.get("purl"),
              (String) r.get("sbom_digest"), (String) r.get("format"), (String) r.get("spec"), subject, src[0], src[1],
              src[2], src[3]));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** Manifest digest -> the sources it belongs to: {ref, kind, source digest, platform (for index children)}. */
  private Map<String, List<String[]>> manifestSources() throws SQLException {
    Map<String, List<String[]>> out = new LinkedHashMap<>();
    for (Map<String, Object> s : rows("SELECT ref, kind, digest FROM sources ORDER BY ref")) {
      String d = (String) s.get("digest");
      out.computeIfAbsent(d, k -> new ArrayList<>()).add(new String[] {(String) s.get("ref"), (String) s.get("kind"), d,
          null});
      for (Map<String, Object> ch : rows("SELECT child_digest, platform FROM index_children WHERE index_digest = ? "
          + "AND present = 1 ORDER BY platform, child_digest", d)) {
        out.computeIfAbsent((String) ch.get("child_digest"), k -> new ArrayList<>()).add(new String[] {
            (String) s.get("ref"), (String) s.get("kind"), d, (String) ch.get("platform")});
      }
    }
    return out;
  }

  /** A blob a manifest uses (its config or a layer). */
  public record BlobRow(String digest, long size, String mediaType) {}

  /** The manifest's platform (null for an index or a platform-less manifest) and the blobs it uses. */
  public record ManifestRow(String digest, String mediaType, String platform, List<BlobRow> blobs) {}

  /**
   * The manifests of one source: the manifest itself when it is not an index, else every present child with
   * its platform (in platform order).
   */
  public List<ManifestRow> manifestsOf(String sourceDigest) {
    try {
      List<ManifestRow> out = new ArrayList<>();
      List<Map<String, Object>> children = rows("SELECT child_digest, platform FROM index_children WHERE index_digest = ? "
          + "AND present = 1 ORDER BY platform, child_digest", sourceDigest);
      if (children.isEmpty()) {
        out.add(manifest(sourceDigest, null));
      }
      for (Map<String, Object> ch : children) {
        out.add(manifest((String) ch.get("child_digest"), (String) ch.get("platform")));
      }
      return out;
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  private ManifestRow manifest(String digest, String platform) throws SQLException {
    List<Map<String, Object>> m = rows("SELECT media_type, platform FROM manifests WHERE digest = ?", digest);
    List<BlobRow> blobs = new ArrayList<>();
    for (Map<String, Object> b : rows("SELECT b.digest, b.size, b.media_type FROM blob_usage u JOIN blobs b "
        + "ON b.digest = u.blob_digest WHERE u.manifest_digest = ? ORDER BY b.digest", digest)) {
      blobs.add(new BlobRow((String) b.get("digest"), ((Number) b.get("size")).longValue(), (String) b.get("media_type")));
    }
    String mt = m.isEmpty() ? null : (String) m.get(0).get("media_type");
    String p = platform != null ? platform : m.isEmpty() ? null : (String) m.get(0).get("platform");
    return new ManifestRow(digest, mt, p, blobs);
  }

  /** One image a chart uses: as the chart names it, and where in the chart it was found. */
  public record ChartImageRow(String chartName, String chartVersion, String imageRef, String foundIn) {}

  /** Every image every chart uses, by chart then image. */
  public List<ChartImageRow> chartImages() {
    try {
      List<ChartImageRow> out = new ArrayList<>();
      for (Map<String, Object> r : rows("SELECT chart_name, chart_version, image_ref, found_in FROM chart_images "
          + "ORDER BY chart_name, chart_version, image_ref")) {
        out.add(new ChartImageRow((String) r.get("chart_name"), (String) r.get("chart_version"),
            (String) r.get("image_ref"), (String) r.get("found_in")));
      }
      return out;
    } catch (SQLException e) {
      throw new CatalogException("cannot read catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** The files of an artifact packed from a directory: path -> {digest, size}. */
  public Map<String, BlobRow> filesOf(String artifactRef) {
    try {
      Map<String, BlobRow> out = new java.util.TreeMap<>();
      for (Map<String, Object> f : rows("SELECT path, digest, size FROM files WHERE artifact_ref = ? ORDER BY path", artifactRef)) {
        out.put((String) f.get("path"), new BlobRow((String) f.get("digest"), ((Number) f.get("size")).longValue(), null));
      }
      return out;
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
