package dev.airlock.history;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.airlock.AirlockException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The local import history database (schema: {@code catalog/history.sql}). */
public final class ImportHistory {
  /** The schema version this build writes ({@code PRAGMA user_version}; history.sql says the same). */
  static final int SCHEMA_VERSION = 5;

  private final Path db;

  private ImportHistory(Path db) {
    this.db = db;
  }

  /** {@code ${XDG_DATA_HOME:-~/.local/share}/airlock/history.db}. */
  public static Path defaultPath() {
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
    return base.resolve("airlock").resolve("history.db");
  }

  /** Opens the database, creating it (and its directory) when absent. */
  public static ImportHistory open(Path db) throws IOException {
    Path p = db.toAbsolutePath();
    Files.createDirectories(p.getParent());
    ImportHistory h = new ImportHistory(p);
    try (Connection c = h.connect(); Statement s = c.createStatement()) {
      int version;
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version > SCHEMA_VERSION) {
        throw new AirlockException("import history " + p + " has schema version " + version
            + ", from a newer airlock (this one reads up to " + SCHEMA_VERSION + "); give another file with --catalog");
      }
      // one transaction: a new database is written (and synced to disk) once, not once per table and index
      c.setAutoCommit(false);
      for (String sql : schema().split(";")) {
        if (!sql.isBlank() && !sql.strip().toLowerCase(java.util.Locale.ROOT).startsWith("pragma user_version")) {
          s.execute(sql); // CREATE ... IF NOT EXISTS: an older database gains what it lacks
        }
      }
      if (version < SCHEMA_VERSION) {
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      }
      c.commit();
    } catch (SQLException e) {
      throw new AirlockException("cannot open import history " + p + ": " + e.getMessage(), e);
    }
    return h;
  }

  /** Lists existing history read-only; an absent database is an empty history. */
  public static List<ImportRecord> list(Path db) throws IOException {
    if (!Files.exists(db)) {
      return List.of();
    }
    return open(db).list();
  }

  private static String schema() throws IOException {
    try (InputStream in = ImportHistory.class.getResourceAsStream("/catalog/history.sql")) {
      if (in == null) {
        throw new IllegalStateException("catalog/history.sql is missing from the build");
      }
      StringBuilder b = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int comment = line.indexOf("--");
        b.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
      }
      return b.toString();
    }
  }

  private Connection connect() throws SQLException {
    Connection c = dev.airlock.catalog.SqliteNativeLibrary.connect(db, null); // not DriverManager: no service scan
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
    }
    return c;
  }

  public Path path() {
    return db;
  }

  /** Stores one import; returns its id. */
  public long record(ImportRecord r) throws IOException {
    return recordImport(r, null, null, null);
  }

  /**
   * Stores one import, and in the same transaction (one write to disk instead of three) the signed creation time
   * of its bundle ({@link #recordBundleCreated}, when {@code created} is not null) and the packages of its SBOMs
   * ({@link #recordPackages}, when {@code packages} is not null). Returns the import's id.
   */
  public long recordImport(ImportRecord r, String created,
      java.util.function.Supplier<List<BundlePackage>> packages) throws IOException {
    return recordImport(r, r.bundleDigest(), created, packages);
  }

  private long recordImport(ImportRecord r, String bundleDigest, String created,
      java.util.function.Supplier<List<BundlePackage>> packages) throws IOException {
    String sql = "INSERT INTO imports (started, finished, bundle_path, bundle_digest, bundle_name, target, status,"
        + " verification, blobs_pushed, blobs_mounted, blobs_skipped, bytes_pushed, bytes_skipped, manifests_pushed,"
        + " manifests_skipped, mapping, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
      int i = 1;
      s.setString(i++, r.started());
      s.setString(i++, r.finished());
      s.setString(i++, r.bundlePath());
      s.setString(i++, r.bundleDigest());
      s.setString(i++, r.bundleName());
      s.setString(i++, r.target());
      s.setString(i++, r.status());
      s.setString(i++, r.verification());
      s.setLong(i++, r.blobsPushed());
      s.setLong(i++, r.blobsMounted());
      s.setLong(i++, r.blobsSkipped());
      s.setLong(i++, r.bytesPushed());
      s.setLong(i++, r.bytesSkipped());
      s.setLong(i++, r.manifestsPushed());
      s.setLong(i++, r.manifestsSkipped());
      s.setString(i++, new String(Json.write(new TreeMap<>(r.mapping())), StandardCharsets.UTF_8));
      s.setString(i, r.error());
      c.setAutoCommit(false);
      s.executeUpdate();
      long id;
      try (ResultSet k = s.getGeneratedKeys()) {
        id = k.next() ? k.getLong(1) : 0;
      }
      if (!r.images().isEmpty()) {
        try (PreparedStatement im = c.prepareStatement("INSERT INTO import_images (import_id, source, target, digest,"
            + " source_digest, index_handling, platforms, left_out, reason) VALUES (?,?,?,?,?,?,?,?,?)")) {
          for (ImportRecord.Image x : r.images()) {
            im.setLong(1, id);
            im.setString(2, x.source());
            im.setString(3, x.target());
            im.setString(4, x.digest());
            im.setString(5, x.sourceDigest());
            im.setString(6, x.index());
            im.setString(7, x.index() == null ? null : new String(Json.write(x.platforms()), StandardCharsets.UTF_8));
            im.setString(8, x.leftOut().isEmpty() ? null : new String(Json.write(x.leftOut()), StandardCharsets.UTF_8));
            im.setString(9, x.reason());
            im.addBatch();
          }
          im.executeBatch();
        }
      }
      if (bundleDigest != null && created != null) {
        bundleCreated(c, bundleDigest, created);
      }
      if (bundleDigest != null && packages != null) {
        packages(c, bundleDigest, packages);
      }
      c.commit();
      return id;
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Notes the signed creation time of a bundle that was imported (once per bundle digest). */
  public void recordBundleCreated(String bundleDigest, String created) {
    try (Connection c = connect()) {
      bundleCreated(c, bundleDigest, created);
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  private static void bundleCreated(Connection c, String bundleDigest, String created) throws SQLException {
    String sql = "INSERT OR IGNORE INTO bundle_created (bundle_digest, created) VALUES (?,?)";
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, bundleDigest);
      s.setString(2, created);
      s.executeUpdate();
    }
  }

  /** A bundle imported with status ok, with its signed creation time. */
  public record ImportedBundle(long importId, String finished, String bundlePath, String bundleDigest, String created) {}

  /** Every import with status ok of a bundle named {@code bundleName} into {@code target} whose creation time is known. */
  public List<ImportedBundle> importedBundles(String target, String bundleName) {
    String sql = "SELECT i.id, i.finished, i.bundle_path, i.bundle_digest, b.created FROM imports i"
        + " JOIN bundle_created b ON b.bundle_digest = i.bundle_digest"
        + " WHERE i.status = 'ok' AND i.target = ? AND i.bundle_name = ? ORDER BY i.id";
    List<ImportedBundle> out = new ArrayList<>();
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, target);
      s.setString(2, bundleName);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new ImportedBundle(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
        }
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** A note of an open upload session: every byte of {@code digest} sent and hashed, not committed. */
  public record StagedUploadNote(String repository, String digest, long size, String location) {}

  /**
   * Takes the newest note of a session holding {@code digest} ({@code size} bytes) in one of
   * {@code repositories} of {@code registry}: it is removed in the same statement, so two imports running
   * at once never continue the same session.
   */
  public java.util.Optional<StagedUploadNote> claimStagedUpload(String registry, String digest, long size,
      java.util.Collection<String> repositories) {
    if (repositories.isEmpty()) {
      return java.util.Optional.empty();
    }
    String in = String.join(",", java.util.Collections.nCopies(repositories.size(), "?"));
    String sql = "DELETE FROM staged_uploads WHERE rowid = (SELECT rowid FROM staged_uploads WHERE registry = ?"
        + " AND digest = ? AND size = ? AND repository IN (" + in + ") ORDER BY staged_at DESC LIMIT 1)"
        + " RETURNING repository, location";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      int i = 1;
      s.setString(i++, registry);
      s.setString(i++, digest);
      s.setLong(i++, size);
      for (String r : repositories) {
        s.setString(i++, r);
      }
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? java.util.Optional.of(new StagedUploadNote(rs.getString(1), digest, size, rs.getString(2)))
            : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Notes an open session (replacing an older note for the same blob and repository). */
  public void rememberStagedUpload(String registry, StagedUploadNote note) {
    String sql = "INSERT OR REPLACE INTO staged_uploads (registry, repository, digest, size, location, staged_at)"
        + " VALUES (?,?,?,?,?,?)";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, registry);
      s.setString(2, note.repository());
      s.setString(3, note.digest());
      s.setLong(4, note.size());
      s.setString(5, note.location());
      s.setString(6, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      s.executeUpdate();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /**
   * Forgets these notes (a session committed, cancelled, or gone): only a note still naming the same
   * session, so another import's newer note of the same blob stays.
   */
  public void forgetStagedUploads(String registry, List<StagedUploadNote> notes) {
    if (notes.isEmpty()) {
      return;
    }
    String sql = "DELETE FROM staged_uploads WHERE registry = ? AND repository = ? AND digest = ? AND location = ?";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      c.setAutoCommit(false);
      for (StagedUploadNote n : notes) {
        s.setString(1, registry);
        s.setString(2, n.repository());
        s.setString(3, n.digest());
        s.setString(4, n.location());
        s.addBatch();
      }
      s.executeBatch();
      c.commit();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Forgets notes older than {@code cutoff}: registries purge such sessions (docker-registry: after a week). */
  public void forgetStagedUploadsBefore(java.time.Instant cutoff) {
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement("DELETE FROM staged_uploads WHERE staged_at < ?")) {
      s.setString(1, cutoff.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      s.executeUpdate();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** A package an SBOM of an imported bundle lists (table bundle_packages). */
  public record BundlePackage(String sourceRef, String manifestDigest, String platform, String sbomDigest,
      String sbomFormat, String name, String version, String purl) {}

  /**
   * Records the packages of a bundle's SBOMs, unless the history has them for {@code bundleDigest} already
   * ({@code packages} is only asked then).
   */
  public void recordPackages(String bundleDigest, java.util.function.Supplier<List<BundlePackage>> packages) {
    if (bundleDigest == null) {
      return;
    }
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      packages(c, bundleDigest, packages);
      c.commit();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Inside the caller's transaction: the packages of {@code bundleDigest}, unless they are there already. */
  private static void packages(Connection c, String bundleDigest,
      java.util.function.Supplier<List<BundlePackage>> packages) throws SQLException {
    {
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM bundle_packages WHERE bundle_digest = ? LIMIT 1")) {
        s.setString(1, bundleDigest);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) {
            return;
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO bundle_packages (bundle_digest, source_ref,"
          + " manifest_digest, platform, sbom_digest, sbom_format, name, version, purl) VALUES (?,?,?,?,?,?,?,?,?)")) {
        for (BundlePackage p : packages.get()) {
          int i = 1;
          s.setString(i++, bundleDigest);
          s.setString(i++, p.sourceRef());
          s.setString(i++, p.manifestDigest());
          s.setString(i++, p.platform());
          s.setString(i++, p.sbomDigest());
          s.setString(i++, p.sbomFormat());
          s.setString(i++, p.name());
          s.setString(i++, p.version());
          s.setString(i, p.purl());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
  }

  /** A package found in the history: which import, when, and where at the target it is. */
  public record PackageInImport(long importId, String finished, String target, String bundleName, String bundleDigest,
      String bundlePath, String sourceRef, String platform, String manifestDigest, String sbomDigest, String sbomFormat,
      String name, String version, String purl, String targetRef, String pushedDigest) {}

  /**
   * Packages whose name or purl matches the SQL LIKE pattern {@code like}, in the bundles of every import with
   * status ok, each with where that import put the image (import_images; {@code targetRef} null when the
   * import did not record it). Ordered by name, version, import.
   */
  public List<PackageInImport> packages(String like) {
    String sql = "SELECT i.id, i.finished, i.target, i.bundle_name, i.bundle_digest, i.bundle_path, p.source_ref,"
        + " p.platform, p.manifest_digest, p.sbom_digest, p.sbom_format, p.name, p.version, p.purl, ii.target,"
        + " ii.digest FROM bundle_packages p JOIN imports i ON i.bundle_digest = p.bundle_digest AND i.status = 'ok'"
        + " LEFT JOIN import_images ii ON ii.import_id = i.id AND ii.source = p.source_ref"
        + " WHERE p.name LIKE ? ESCAPE '\\' OR p.purl LIKE ? ESCAPE '\\'"
        + " ORDER BY p.name, p.version, i.id, p.source_ref, ii.target";
    List<PackageInImport> out = new ArrayList<>();
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, like);
      s.setString(2, "%/" + like + "@%");
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          int i = 1;
          out.add(new PackageInImport(rs.getLong(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++),
              rs.getString(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++),
              rs.getString(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++),
              rs.getString(i++), rs.getString(i)));
        }
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Every import, oldest first. */
  public List<ImportRecord> list() throws IOException {
    List<ImportRecord> out = new ArrayList<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM imports ORDER BY id")) {
      Map<Long, List<ImportRecord.Image>> images = images(c);
      while (rs.next()) {
        String mapping = rs.getString("mapping");
        Map<String, String> m = mapping == null ? Map.of()
            : Json.MAPPER.readValue(mapping, new TypeReference<Map<String, String>>() {});
        out.add(new ImportRecord(rs.getLong("id"), rs.getString("started"), rs.getString("finished"),
            rs.getString("bundle_path"), rs.getString("bundle_digest"), rs.getString("bundle_name"),
            rs.getString("target"), rs.getString("status"), rs.getString("verification"), rs.getLong("blobs_pushed"),
            rs.getLong("blobs_mounted"), rs.getLong("blobs_skipped"), rs.getLong("bytes_pushed"),
            rs.getLong("bytes_skipped"), rs.getLong("manifests_pushed"), rs.getLong("manifests_skipped"), m,
            rs.getString("error"), images.getOrDefault(rs.getLong("id"), List.of())));
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static Map<Long, List<ImportRecord.Image>> images(Connection c) throws SQLException, IOException {
    Map<Long, List<ImportRecord.Image>> out = new java.util.HashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM import_images ORDER BY import_id, rowid")) {
      while (rs.next()) {
        out.computeIfAbsent(rs.getLong("import_id"), k -> new ArrayList<>()).add(new ImportRecord.Image(
            rs.getString("source"), rs.getString("target"), rs.getString("digest"), rs.getString("source_digest"),
            rs.getString("index_handling"), strings(rs.getString("platforms")), strings(rs.getString("left_out")),
            rs.getString("reason")));
      }
    }
    return out;
  }

  private static List<String> strings(String json) throws IOException {
    return json == null ? List.of() : Json.MAPPER.readValue(json, new TypeReference<List<String>>() {});
  }
}
