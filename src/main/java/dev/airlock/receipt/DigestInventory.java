package dev.airlock.receipt;

import dev.airlock.catalog.SqliteNativeLibrary;
import dev.airlock.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;

/**
 * What a target holds, as a set on disk: blobs and manifests (digest, size) and tags (repository, tag, digest),
 * in a temporary SQLite database, so a target of 100,000 blobs costs a file, not 100,000 objects in the heap.
 * Deleted when closed. Thread-safe (one connection, synchronized).
 */
public final class DigestInventory implements Closeable {
  /** A blob or manifest; {@code repository}: for a blob, one repository of the target holding it (null: unknown). */
  public record Entry(Digest digest, long size, String repository) {
    public Entry(Digest digest, long size) {
      this(digest, size, null);
    }
  }

  /** A tag of a repository. */
  public record Tag(String repository, String tag, Digest digest) {}

  /** Visits rows in order; may throw IOException. */
  @FunctionalInterface
  public interface Visitor<T> {
    void visit(T row) throws IOException;
  }

  private final Path file;
  private final Connection db;
  private final PreparedStatement insertBlob;
  private final PreparedStatement insertManifest;
  private final PreparedStatement insertTag;
  private final PreparedStatement blobSize;
  private final PreparedStatement manifestSize;
  private final PreparedStatement blobRepository;
  private int pending;

  private DigestInventory(Path file) throws SQLException {
    this.file = file;
    SqliteNativeLibrary.prepare();
    db = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode = OFF");
      s.execute("PRAGMA synchronous = OFF");
      s.execute("PRAGMA cache_size = -8192"); // 8 MiB of pages at most
      s.execute("CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, repository TEXT) WITHOUT ROWID");
      s.execute("CREATE TABLE manifests (digest TEXT PRIMARY KEY, size INTEGER NOT NULL) WITHOUT ROWID");
      s.execute("CREATE TABLE tags (repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL,"
          + " PRIMARY KEY (repository, tag)) WITHOUT ROWID");
    }
    db.setAutoCommit(false);
    insertBlob = db.prepareStatement("INSERT OR IGNORE INTO blobs (digest, size, repository) VALUES (?, ?, ?)");
    insertManifest = db.prepareStatement("INSERT OR IGNORE INTO manifests (digest, size) VALUES (?, ?)");
    insertTag = db.prepareStatement("INSERT OR REPLACE INTO tags (repository, tag, digest) VALUES (?, ?, ?)");
    blobSize = db.prepareStatement("SELECT size FROM blobs WHERE digest = ?");
    manifestSize = db.prepareStatement("SELECT size FROM manifests WHERE digest = ?");
    blobRepository = db.prepareStatement("SELECT repository FROM blobs WHERE digest = ?");
  }

  /** A new, empty inventory in a temporary file. */
  public static DigestInventory create() throws IOException {
    Path f = Files.createTempFile("airlock-inventory-", ".db");
    try {
      return new DigestInventory(f);
    } catch (SQLException e) {
      Files.deleteIfExists(f);
      throw new IOException("cannot create a temporary inventory database: " + e.getMessage(), e);
    }
  }

  public synchronized void addBlob(Digest d, long size) {
    addBlob(d, size, null);
  }

  /** A blob held in {@code repository} of the target (the first one seen is kept; null: unknown). */
  public synchronized void addBlob(Digest d, long size, String repository) {
    try {
      insertBlob.setString(1, d.toString());
      insertBlob.setLong(2, size);
      insertBlob.setString(3, repository);
      insertBlob.executeUpdate();
      flushSometimes();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized void addManifest(Digest d, long size) {
    insert(insertManifest, d, size);
  }

  /** The repository the inventory says holds the blob, empty when unknown or not held. */
  public synchronized java.util.Optional<String> blobRepository(Digest d) {
    try {
      blobRepository.setString(1, d.toString());
      try (ResultSet r = blobRepository.executeQuery()) {
        return r.next() ? java.util.Optional.ofNullable(r.getString(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized void addTag(String repository, String tag, Digest d) {
    try {
      insertTag.setString(1, repository);
      insertTag.setString(2, tag);
      insertTag.setString(3, d.toString());
      insertTag.executeUpdate();
      flushSometimes();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private void insert(PreparedStatement p, Digest d, long size) {
    try {
      p.setString(1, d.toString());
      p.setLong(2, size);
      p.executeUpdate();
      flushSometimes();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private void flushSometimes() throws SQLException {
    if (++pending >= 10_000) {
      db.commit();
      pending = 0;
    }
  }

  /** The blob's size, empty when the inventory does not hold it. */
  public synchronized OptionalLong blobSize(Digest d) {
    return size(blobSize, d);
  }

  /** The manifest's size, empty when the inventory does not hold it. */
  public synchronized OptionalLong manifestSize(Digest d) {
    return size(manifestSize, d);
  }

  private static OptionalLong size(PreparedStatement p, Digest d) {
    try {
      p.setString(1, d.toString());
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? OptionalLong.of(r.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized long blobCount() {
    return count("SELECT count(*) FROM blobs");
  }

  public synchronized long blobBytes() {
    return count("SELECT coalesce(sum(size), 0) FROM blobs");
  }

  public synchronized long manifestCount() {
    return count("SELECT count(*) FROM manifests");
  }

  public synchronized long tagCount() {
    return count("SELECT count(*) FROM tags");
  }

  public synchronized long repositoryCount() {
    return count("SELECT count(DISTINCT repository) FROM tags");
  }

  private long count(String sql) {
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getLong(1) : 0;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Every blob, sorted by digest. */
  public synchronized void forEachBlob(Visitor<Entry> v) throws IOException {
    entries("SELECT digest, size, repository FROM blobs ORDER BY digest", v);
  }

  /** Every manifest, sorted by digest. */
  public synchronized void forEachManifest(Visitor<Entry> v) throws IOException {
    entries("SELECT digest, size, NULL FROM manifests ORDER BY digest", v);
  }

  private void entries(String sql, Visitor<Entry> v) throws IOException {
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        v.visit(new Entry(Digest.parse(r.getString(1)), r.getLong(2), r.getString(3)));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Every tag, sorted by repository then tag. */
  public synchronized void forEachTag(Visitor<Tag> v) throws IOException {
    try (Statement s = db.createStatement();
        ResultSet r = s.executeQuery("SELECT repository, tag, digest FROM tags ORDER BY repository, tag")) {
      while (r.next()) {
        v.visit(new Tag(r.getString(1), r.getString(2), Digest.parse(r.getString(3))));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Writes pending rows (before reading them back). */
  public synchronized void flush() {
    try {
      db.commit();
      pending = 0;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private static UncheckedIOException failure(SQLException e) {
    return new UncheckedIOException(new IOException("inventory database: " + e.getMessage(), e));
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      db.close();
    } catch (SQLException e) {
      // a temporary file: nothing to keep
    }
    Files.deleteIfExists(file);
  }
}
