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
import java.sql.DriverManager;
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
      for (String sql : schema().split(";")) {
        if (!sql.isBlank()) {
          s.execute(sql);
        }
      }
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
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
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
      s.executeUpdate();
      try (ResultSet k = s.getGeneratedKeys()) {
        return k.next() ? k.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** The session an earlier import left open for {@code digest} in {@code repository} of {@code registry}. */
  public java.util.Optional<String> stagedUpload(String registry, String repository, String digest, long size) {
    String sql = "SELECT location FROM staged_uploads WHERE registry = ? AND repository = ? AND digest = ? AND size = ?";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, registry);
      s.setString(2, repository);
      s.setString(3, digest);
      s.setLong(4, size);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Notes an open session holding every byte of {@code digest}, hashed as sent (replaces an older one). */
  public void rememberStagedUpload(String registry, String repository, String digest, long size, String location) {
    String sql = "INSERT OR REPLACE INTO staged_uploads (registry, repository, digest, size, location, staged_at)"
        + " VALUES (?,?,?,?,?,?)";
    try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, registry);
      s.setString(2, repository);
      s.setString(3, digest);
      s.setLong(4, size);
      s.setString(5, location);
      s.setString(6, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
      s.executeUpdate();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Forgets sessions ({@code repository, digest} pairs): committed, cancelled, or no longer known to the registry. */
  public void forgetStagedUploads(String registry, List<String[]> repositoryAndDigest) {
    if (repositoryAndDigest.isEmpty()) {
      return;
    }
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement("DELETE FROM staged_uploads WHERE registry = ? AND repository = ? AND digest = ?")) {
      c.setAutoCommit(false);
      for (String[] rd : repositoryAndDigest) {
        s.setString(1, registry);
        s.setString(2, rd[0]);
        s.setString(3, rd[1]);
        s.addBatch();
      }
      s.executeBatch();
      c.commit();
    } catch (SQLException e) {
      throw new AirlockException("cannot write import history " + db + ": " + e.getMessage(), e);
    }
  }

  /** Every import, oldest first. */
  public List<ImportRecord> list() throws IOException {
    List<ImportRecord> out = new ArrayList<>();
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM imports ORDER BY id")) {
      while (rs.next()) {
        String mapping = rs.getString("mapping");
        Map<String, String> m = mapping == null ? Map.of()
            : Json.MAPPER.readValue(mapping, new TypeReference<Map<String, String>>() {});
        out.add(new ImportRecord(rs.getLong("id"), rs.getString("started"), rs.getString("finished"),
            rs.getString("bundle_path"), rs.getString("bundle_digest"), rs.getString("bundle_name"),
            rs.getString("target"), rs.getString("status"), rs.getString("verification"), rs.getLong("blobs_pushed"),
            rs.getLong("blobs_mounted"), rs.getLong("blobs_skipped"), rs.getLong("bytes_pushed"),
            rs.getLong("bytes_skipped"), rs.getLong("manifests_pushed"), rs.getLong("manifests_skipped"), m,
            rs.getString("error")));
      }
    } catch (SQLException e) {
      throw new AirlockException("cannot read import history " + db + ": " + e.getMessage(), e);
    }
    return out;
  }
}
