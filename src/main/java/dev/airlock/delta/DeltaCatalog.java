package dev.airlock.delta;

import dev.airlock.catalog.SqliteNativeLibrary;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import org.sqlite.SQLiteConfig;

/**
 * The two catalog tables of a delta bundle (bundle format version 3, docs/deltas.md): {@code expected_blobs},
 * every blob the bundle's manifests reference but that was left out because every base says the target holds it
 * (digest, size, media type), and {@code delta_bases}, what the delta was computed against (each receipt's or
 * catalog's sha256, target and time). The catalog is a subject of the bundle signature, so both are signed. A
 * left-out blob is not in the {@code blobs} table (that lists what the bundle holds).
 */
public final class DeltaCatalog implements AutoCloseable {
  static final String EXPECTED = "expected_blobs";
  static final String BASES = "delta_bases";

  private final Connection db;
  /** False for a delta written before receipts named repositories (no {@code expected_blobs.repository}). */
  private final boolean hasRepository;

  private DeltaCatalog(Connection db) throws SQLException {
    this.db = db;
    try (ResultSet r = db.getMetaData().getColumns(null, null, EXPECTED, "repository")) {
      hasRepository = r.next();
    }
  }

  /** Adds the delta tables to a catalog just written, and takes the left-out blobs out of {@code blobs}. */
  public static void record(Path catalog, Collection<Descriptor> leftOut, List<DeltaBases.Base> bases)
      throws IOException {
    record(catalog, leftOut, bases, d -> null);
  }

  /** Where a base says a blob is held at the target. */
  @FunctionalInterface
  public interface HeldIn {
    String repository(Digest d) throws IOException;
  }

  /**
   * As {@link #record(Path, Collection, List)}, with, for each left-out blob, the repository of the target a base
   * receipt says holds it ({@code expected_blobs.repository}, null when no base names one).
   */
  public static void record(Path catalog, Collection<Descriptor> leftOut, List<DeltaBases.Base> bases, HeldIn heldIn)
      throws IOException {
    SqliteNativeLibrary.prepare();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + catalog.toAbsolutePath())) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE " + EXPECTED + " (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT,"
            + " repository TEXT)");
        s.execute("CREATE TABLE " + BASES + " (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('receipt',"
            + " 'catalog')), digest TEXT NOT NULL, target TEXT, created TEXT, trust TEXT NOT NULL, blobs INTEGER NOT NULL)");
      }
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + EXPECTED + " VALUES (?, ?, ?, ?)");
          PreparedStatement del = c.prepareStatement("DELETE FROM blobs WHERE digest = ?")) {
        for (Descriptor d : leftOut) {
          ins.setString(1, d.digest().toString());
          ins.setLong(2, d.size());
          ins.setString(3, d.mediaType());
          ins.setString(4, heldIn.repository(d.digest()));
          ins.executeUpdate();
          del.setString(1, d.digest().toString());
          del.executeUpdate();
        }
      }
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + BASES + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        int seq = 1;
        for (DeltaBases.Base b : bases) {
          ins.setInt(1, seq++);
          ins.setString(2, b.kind());
          ins.setString(3, b.digest().toString());
          ins.setString(4, b.target());
          ins.setString(5, b.created());
          ins.setString(6, b.trust());
          ins.setLong(7, b.blobs());
          ins.executeUpdate();
        }
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("VACUUM"); // deterministic bytes: no free pages left by the deletes
      }
    } catch (SQLException e) {
      throw new IOException("cannot record the delta in catalog " + catalog + ": " + e.getMessage(), e);
    }
  }

  /** The delta tables of a catalog (read-only), or null when the bundle is not a delta. */
  public static DeltaCatalog open(Path catalog) throws IOException {
    try {
      SqliteNativeLibrary.prepare();
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      Connection c = cfg.createConnection("jdbc:sqlite:" + catalog.toAbsolutePath());
      if (!hasTables(c)) {
        c.close();
        return null;
      }
      return new DeltaCatalog(c);
    } catch (SQLException e) {
      throw new IOException("catalog " + catalog + ": " + e.getMessage(), e);
    }
  }

  static boolean hasTables(Connection c) throws SQLException {
    DatabaseMetaData md = c.getMetaData();
    try (ResultSet r = md.getTables(null, null, EXPECTED, null)) {
      return r.next();
    }
  }

  /** The size of a blob expected at the target, empty when it is not one. */
  public synchronized OptionalLong expected(Digest d) {
    try (PreparedStatement p = db.prepareStatement("SELECT size FROM " + EXPECTED + " WHERE digest = ?")) {
      p.setString(1, d.toString());
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? OptionalLong.of(r.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("catalog: " + EXPECTED + ": " + e.getMessage(), e);
    }
  }

  /**
   * The repository of the target a base receipt said holds an expected blob, empty when none did (a receipt of
   * format 1, a catalog base, or a delta written before the column).
   */
  public synchronized java.util.Optional<String> heldIn(Digest d) {
    if (!hasRepository) {
      return java.util.Optional.empty();
    }
    try (PreparedStatement p = db.prepareStatement("SELECT repository FROM " + EXPECTED + " WHERE digest = ?")) {
      p.setString(1, d.toString());
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? java.util.Optional.ofNullable(r.getString(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("catalog: " + EXPECTED + ": " + e.getMessage(), e);
    }
  }

  /** How many blobs are expected at the target, and their bytes. */
  public synchronized long[] expectedTotals() {
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*), coalesce(sum(size), 0) FROM " + EXPECTED)) {
      r.next();
      return new long[] {r.getLong(1), r.getLong(2)};
    } catch (SQLException e) {
      throw new IllegalStateException("catalog: " + EXPECTED + ": " + e.getMessage(), e);
    }
  }

  /** The first {@code limit} expected blobs, sorted by digest (a page, not the whole table). */
  public synchronized List<Descriptor> expectedBlobs(int limit) {
    return expectedBlobs(" LIMIT " + Math.max(0, limit));
  }

  /** The next {@code limit} expected blobs after {@code digest} (exclusive; "" for the first), sorted by digest. */
  public synchronized List<Descriptor> expectedBlobsAfter(String digest, int limit) {
    List<Descriptor> out = new ArrayList<>();
    try (PreparedStatement p = db.prepareStatement("SELECT digest, size, media_type FROM " + EXPECTED
        + " WHERE digest > ? ORDER BY digest LIMIT ?")) {
      p.setString(1, digest);
      p.setInt(2, limit);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(Descriptor.of(r.getString(3) == null ? "application/octet-stream" : r.getString(3),
              Digest.parse(r.getString(1)), r.getLong(2)));
        }
      }
    } catch (SQLException | IllegalArgumentException e) {
      throw new IllegalStateException("catalog: " + EXPECTED + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Every expected blob, sorted by digest. */
  public synchronized List<Descriptor> expectedBlobs() {
    return expectedBlobs("");
  }

  private List<Descriptor> expectedBlobs(String limit) {
    List<Descriptor> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT digest, size, media_type FROM " + EXPECTED + " ORDER BY digest" + limit)) {
      while (r.next()) {
        String d = r.getString(1);
        if (!Digest.isValid(d)) {
          throw new IllegalStateException("catalog: " + EXPECTED + " holds an invalid digest");
        }
        out.add(Descriptor.of(r.getString(3) == null ? "application/octet-stream" : r.getString(3), Digest.parse(d),
            r.getLong(2)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("catalog: " + EXPECTED + ": " + e.getMessage(), e);
    }
    return out;
  }

  public synchronized List<DeltaBases.Base> bases() {
    List<DeltaBases.Base> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT kind, digest, target, created, trust, blobs FROM " + BASES + " ORDER BY seq")) {
      while (r.next()) {
        out.add(new DeltaBases.Base(r.getString(1), Digest.parse(r.getString(2)), r.getString(3), r.getString(4),
            r.getString(5), r.getLong(6)));
      }
    } catch (SQLException | IllegalArgumentException e) {
      throw new IllegalStateException("catalog: " + BASES + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** For messages: {@code receipt sha256:abc... of 127.0.0.1:5000 (2026-12-02T10:00:00Z)}. */
  public static String describe(DeltaBases.Base b) {
    return b.kind() + " " + b.digest().shortForm() + (b.target() == null ? "" : " of " + b.target())
        + (b.created() == null || b.created().isEmpty() ? "" : " (" + b.created() + ")");
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      // read-only
    }
  }
}
